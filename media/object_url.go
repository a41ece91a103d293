package media

// ObjectURL is the public address of a stored object's key (media backup
// maps external addresses to its copies' addresses with it).
func (s *Service) ObjectURL(key string) string { return s.url(key) }
