package controllers

import (
	"fmt"
	"net/http"
	"strconv"

	"inkwell/apperror"
	"inkwell/idempotency"
	"inkwell/paging"
)

// The request and response mechanics every resource shares (docs/api.md,
// "Conventions"): path ids, list queries, idempotent creates.

// PathID reads the :id path segment of a route for resource (used in the
// message): a positive integer, else 400 bad_request.
func (c *BaseController) PathID(resource string) (int64, error) {
	id, err := strconv.ParseInt(c.Ctx.Input.Param(":id"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperror.New(apperror.CodeBadRequest, fmt.Sprintf("the %s id must be a positive integer", resource))
	}
	return id, nil
}

// PageQuery is the raw limit and cursor of a list request.
func (c *BaseController) PageQuery() paging.Query {
	return paging.Query{Limit: c.Ctx.Input.Query("limit"), Cursor: c.Ctx.Input.Query("cursor")}
}

// IdempotencyKey is the request's Idempotency-Key header ("" when absent);
// a malformed one is 400 bad_request.
func (c *BaseController) IdempotencyKey() (string, error) {
	key := c.Ctx.Request.Header.Get(idempotency.KeyHeader)
	return key, idempotency.CheckHeader(key)
}

// RenderCreated answers a create: 201 with Location and the object, the
// same for a replay, which also carries Idempotent-Replayed: true.
func (c *BaseController) RenderCreated(location string, v any, replayed bool) {
	if replayed {
		c.Ctx.Output.Header(idempotency.ReplayedHeader, "true")
	}
	c.Ctx.Output.Header("Location", location)
	c.RenderJSON(http.StatusCreated, v)
}
