package api

import (
	"io/fs"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// Routes registers every route on app. metrics serves /metrics; web is the phone app.
func (h *Handlers) Routes(app *fiber.App, metrics fiber.Handler, web fs.FS) {
	app.Use(recover.New())
	app.Use(RequestLog(h.Log))
	app.Use(SecurityHeaders)

	app.Get("/healthz", h.Healthz)
	app.Get("/readyz", h.Readyz)
	app.Get("/metrics", metrics)

	var routes routeTable // known once every route is registered, below
	v1 := app.Group("/api/v1", NoStore, routes.refuseHead)
	// Per-address limits on the login routes (OWASP ASVS 5.0 V6.3.1), beside the
	// per-account counter that lives in the store; token refreshes are counted apart.
	perIP := h.perAddress(h.LoginLimit)
	v1.Post("/auth/login", perIP, h.AuthLogin)
	v1.Post("/auth/sms", perIP, h.AuthSMS)
	v1.Post("/auth/verify", perIP, h.AuthVerify)
	v1.Post("/auth/activate", perIP, h.AuthActivate)
	v1.Post("/auth/enrol/totp", perIP, h.AuthEnrolTOTP)
	v1.Post("/auth/refresh", h.perAddress(h.RefreshLimit), h.AuthRefresh)
	v1.Get("/terms", h.Terms)

	v1.Post("/auth/logout", h.RequireLogin, h.pushEndsWithLogout(), h.AuthLogout)
	v1.Get("/me", h.RequireLogin, h.Me)
	v1.Post("/me/terms", h.RequireLogin, h.AcceptTerms)
	v1.Post("/me/password", h.RequireLogin, h.ChangePassword)
	v1.Post("/me/totp", h.RequireLogin, h.EnrolTOTP)
	v1.Post("/me/totp/confirm", h.RequireLogin, h.ConfirmTOTP)

	v1.Post("/admin/users", h.RequireAuth, h.AdminCreateUser)
	v1.Get("/admin/users", h.RequireAuth, h.AdminListUsers)
	v1.Post("/admin/users/import", h.RequireAuth, h.AdminImportUsers)
	v1.Post("/admin/users/:id/activation", h.RequireAuth, h.AdminIssueActivation)
	v1.Post("/admin/users/:id/unlock", h.RequireAuth, h.AdminUnlock)
	v1.Post("/admin/users/:id/disable", h.RequireAuth, h.pushEndsWithUser(), h.AdminDisable)
	v1.Post("/admin/users/:id/enable", h.RequireAuth, h.AdminEnable)
	v1.Post("/admin/users/:id/password", h.RequireAuth, h.AdminResetPassword)
	v1.Post("/admin/users/:id/training", h.RequireAuth, h.AdminTraining)
	v1.Post("/admin/users/:id/token", h.RequireAuth, h.AdminBindToken)
	v1.Get("/admin/users/:id/sessions", h.RequireAuth, h.AdminUserSessions)
	v1.Post("/admin/sessions/:id/revoke", h.RequireAuth, h.pushEndsWithSession(), h.AdminRevokeSession)
	v1.Post("/admin/devices/:id/revoke", h.RequireAuth, h.pushEndsWithDevice(), h.AdminRevokeDevice)
	v1.Post("/admin/tokens", h.RequireAuth, h.AdminImportTokens)
	v1.Get("/admin/org", h.RequireAuth, h.AdminOrg)
	v1.Post("/admin/providers", h.RequireAuth, h.AdminCreateProvider)
	v1.Post("/admin/providers/:id/end", h.RequireAuth, h.AdminEndProvider)
	v1.Post("/admin/units", h.RequireAuth, h.AdminCreateUnit)
	v1.Get("/admin/units/:id/access-review", h.RequireAuth, h.AdminAccessReview)
	v1.Post("/admin/units/:id/access-review", h.RequireAuth, h.AdminSubmitAccessReview)
	v1.Get("/admin/units/:id/audit", h.RequireAuth, h.AdminUnitAudit)
	v1.Post("/admin/grants", h.RequireAuth, h.AdminCreateGrant)
	v1.Get("/admin/grants", h.RequireAuth, h.AdminGrants)
	v1.Post("/admin/grants/:id/approve", h.RequireAuth, h.AdminApproveGrant)
	v1.Post("/admin/grants/:id/reject", h.RequireAuth, h.AdminRejectGrant)
	v1.Post("/admin/grants/:id/extend", h.RequireAuth, h.AdminExtendGrant)
	v1.Post("/admin/grants/:id/end", h.RequireAuth, h.AdminEndGrant)
	v1.Post("/sync/push", h.RequireAuth, h.SyncPush)
	gzipped := compress.New(compress.Config{Level: compress.LevelBestSpeed})
	v1.Get("/sync/pull", h.RequireAuth, gzipped, h.SyncPull)
	v1.Post("/sync/pull", h.RequireAuth, gzipped, h.SyncPullPost)
	v1.Get("/sync/events", h.RequireAuth, h.SyncEvents)
	v1.Get("/admin/backup", h.RequireAuth, h.AdminBackup)
	v1.Post("/integration/assignments", h.RequireAuth, h.IntegrationAssignments)
	v1.Post("/integration/clients", h.RequireAuth, h.IntegrationClients)
	v1.Get("/clients/:id/signing-lists/:list_id.pdf", h.RequireAuth, RequireTraining, h.SigningListPDF)
	v1.Get("/units/:id/statistics", h.RequireAuth, RequireTraining, h.UnitStatistics)
	v1.Get("/units/:id/ending", h.RequireAuth, RequireTraining, h.UnitEnding)
	v1.Get("/clients/:id/journal.pdf", h.RequireAuth, RequireTraining, h.ClientJournalPDF)
	v1.Get("/admin/access-log", h.RequireAuth, RequireTraining, h.AdminAccessLog)
	v1.Get("/admin/access-log/export", h.RequireAuth, RequireTraining, h.AdminAccessLogExport)
	v1.Get("/push/vapid-public-key", h.RequireAuth, h.PushVAPIDKey)
	v1.Post("/push/subscriptions", h.RequireAuth, h.PushSubscribe)
	v1.Delete("/push/subscriptions", h.RequireAuth, h.PushUnsubscribe)

	routes.learn(app)
	// The phone app's files (fs.go); then 405 for a known path with another method, else 404.
	site, err := siteOf(web)
	if err != nil {
		panic("api: the phone app's files: " + err.Error()) // an embedded tree always reads
	}
	app.Get("/*", site.serve)
	app.Use(routes.noRoute)
	routeOtherMethods(app)
}
