package posts

// CheckCreate validates in by the rules of Create without storing anything,
// for writers that store posts in bulk (the importer): it returns the
// trimmed title, the tags without repeats and the status (draft when empty),
// or the same validation error Create would.
func CheckCreate(in CreateInput) (title string, tags []string, status string, err error) {
	v, err := in.validate()
	if err != nil {
		return "", nil, "", err
	}
	return v.title, v.tags, v.status, nil
}
