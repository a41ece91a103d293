package media

// ObjectURL is the public address of a stored object's key (media backup
// maps external addresses to its copies' addresses with it).
func (s *Service) ObjectURL(key string) string { return s.url(key) }

// PublicBaseURL is where the library's objects are read publicly; URLs
// under it are ours, not external media.
func (s *Service) PublicBaseURL() string { return s.publicBase }
