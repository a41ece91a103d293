package schema

// One row per collaborator the author invited to edit a post live
// (PUT /api/v1/posts/{id}/collaborators/{user_id}). The primary key makes a
// repeated invitation a no-op and answers "may this user edit this post" in
// one lookup; ix_post_collaborators_user serves "posts I may edit".
//
// user_id has no foreign key, like post_likes: users are never deleted and
// the user is checked when invited.
func init() {
	register(Migration{
		Name: "CreatePostCollaborators_20261129_141400",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE post_collaborators (
					post_id BIGINT NOT NULL,
					user_id BIGINT NOT NULL,
					created_at {{datetime}} NOT NULL,
					PRIMARY KEY (post_id, user_id),
					CONSTRAINT fk_post_collaborators_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_post_collaborators_user ON post_collaborators (user_id)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE post_collaborators`}
		},
	})
}
