package routers

import (
	beego "github.com/beego/beego/v2/server/web"
	"github.com/beego/beego/v2/server/web/context/param"
)

func init() {

	beego.GlobalControllerRouter["inkwell/controllers:AuthController"] = append(beego.GlobalControllerRouter["inkwell/controllers:AuthController"],
		beego.ControllerComments{
			Method:           "Config",
			Router:           `/auth/config`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:AuthController"] = append(beego.GlobalControllerRouter["inkwell/controllers:AuthController"],
		beego.ControllerComments{
			Method:           "DevLogin",
			Router:           `/auth/dev-login`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:CommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:CommentsController"],
		beego.ControllerComments{
			Method:           "Get",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:CommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:CommentsController"],
		beego.ControllerComments{
			Method:           "Update",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"patch"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:CommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:CommentsController"],
		beego.ControllerComments{
			Method:           "Delete",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"delete"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:CommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:CommentsController"],
		beego.ControllerComments{
			Method:           "Like",
			Router:           `/:id/like`,
			AllowHTTPMethods: []string{"put"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:CommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:CommentsController"],
		beego.ControllerComments{
			Method:           "Unlike",
			Router:           `/:id/like`,
			AllowHTTPMethods: []string{"delete"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:CommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:CommentsController"],
		beego.ControllerComments{
			Method:           "Replies",
			Router:           `/:id/replies`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:CommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:CommentsController"],
		beego.ControllerComments{
			Method:           "Report",
			Router:           `/:id/reports`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:CommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:CommentsController"],
		beego.ControllerComments{
			Method:           "Vote",
			Router:           `/:id/vote`,
			AllowHTTPMethods: []string{"put"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:HealthController"] = append(beego.GlobalControllerRouter["inkwell/controllers:HealthController"],
		beego.ControllerComments{
			Method:           "Healthz",
			Router:           `/healthz`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:HealthController"] = append(beego.GlobalControllerRouter["inkwell/controllers:HealthController"],
		beego.ControllerComments{
			Method:           "Readyz",
			Router:           `/readyz`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:LiveController"] = append(beego.GlobalControllerRouter["inkwell/controllers:LiveController"],
		beego.ControllerComments{
			Method:           "AddCollaborator",
			Router:           `/:id/collaborators/:user_id`,
			AllowHTTPMethods: []string{"put"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:LiveController"] = append(beego.GlobalControllerRouter["inkwell/controllers:LiveController"],
		beego.ControllerComments{
			Method:           "RemoveCollaborator",
			Router:           `/:id/collaborators/:user_id`,
			AllowHTTPMethods: []string{"delete"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:LiveController"] = append(beego.GlobalControllerRouter["inkwell/controllers:LiveController"],
		beego.ControllerComments{
			Method:           "Submit",
			Router:           `/:id/edits`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:LiveController"] = append(beego.GlobalControllerRouter["inkwell/controllers:LiveController"],
		beego.ControllerComments{
			Method:           "Since",
			Router:           `/:id/edits`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:LiveController"] = append(beego.GlobalControllerRouter["inkwell/controllers:LiveController"],
		beego.ControllerComments{
			Method:           "State",
			Router:           `/:id/live/state`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:LiveController"] = append(beego.GlobalControllerRouter["inkwell/controllers:LiveController"],
		beego.ControllerComments{
			Method:           "Ticket",
			Router:           `/:id/live/ticket`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:LiveSocketController"] = append(beego.GlobalControllerRouter["inkwell/controllers:LiveSocketController"],
		beego.ControllerComments{
			Method:           "Socket",
			Router:           `/:id/live`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:MeController"] = append(beego.GlobalControllerRouter["inkwell/controllers:MeController"],
		beego.ControllerComments{
			Method:           "Get",
			Router:           `/`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:MediaBackupController"] = append(beego.GlobalControllerRouter["inkwell/controllers:MediaBackupController"],
		beego.ControllerComments{
			Method:           "Run",
			Router:           `/:id/media-backup`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:MediaController"] = append(beego.GlobalControllerRouter["inkwell/controllers:MediaController"],
		beego.ControllerComments{
			Method:           "Upload",
			Router:           `/`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:MediaController"] = append(beego.GlobalControllerRouter["inkwell/controllers:MediaController"],
		beego.ControllerComments{
			Method:           "List",
			Router:           `/`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:MediaController"] = append(beego.GlobalControllerRouter["inkwell/controllers:MediaController"],
		beego.ControllerComments{
			Method:           "Update",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"patch"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:MediaController"] = append(beego.GlobalControllerRouter["inkwell/controllers:MediaController"],
		beego.ControllerComments{
			Method:           "Delete",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"delete"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostCommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostCommentsController"],
		beego.ControllerComments{
			Method:           "Create",
			Router:           `/:id/comments`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostCommentsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostCommentsController"],
		beego.ControllerComments{
			Method:           "List",
			Router:           `/:id/comments`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostsController"],
		beego.ControllerComments{
			Method:           "Create",
			Router:           `/`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostsController"],
		beego.ControllerComments{
			Method:           "List",
			Router:           `/`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostsController"],
		beego.ControllerComments{
			Method:           "Get",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostsController"],
		beego.ControllerComments{
			Method:           "Update",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"patch"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostsController"],
		beego.ControllerComments{
			Method:           "Delete",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"delete"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostsController"],
		beego.ControllerComments{
			Method:           "Like",
			Router:           `/:id/like`,
			AllowHTTPMethods: []string{"put"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PostsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PostsController"],
		beego.ControllerComments{
			Method:           "Unlike",
			Router:           `/:id/like`,
			AllowHTTPMethods: []string{"delete"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:PreviewsController"] = append(beego.GlobalControllerRouter["inkwell/controllers:PreviewsController"],
		beego.ControllerComments{
			Method:           "Get",
			Router:           `/`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:TransfersController"] = append(beego.GlobalControllerRouter["inkwell/controllers:TransfersController"],
		beego.ControllerComments{
			Method:           "Create",
			Router:           `/`,
			AllowHTTPMethods: []string{"post"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:TransfersController"] = append(beego.GlobalControllerRouter["inkwell/controllers:TransfersController"],
		beego.ControllerComments{
			Method:           "Get",
			Router:           `/:id`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:WalletController"] = append(beego.GlobalControllerRouter["inkwell/controllers:WalletController"],
		beego.ControllerComments{
			Method:           "Get",
			Router:           `/`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

	beego.GlobalControllerRouter["inkwell/controllers:WalletController"] = append(beego.GlobalControllerRouter["inkwell/controllers:WalletController"],
		beego.ControllerComments{
			Method:           "Entries",
			Router:           `/entries`,
			AllowHTTPMethods: []string{"get"},
			MethodParams:     param.Make(),
			Filters:          nil,
			Params:           nil})

}
