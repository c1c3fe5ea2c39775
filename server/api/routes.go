package api

import (
	"io/fs"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
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

	v1 := app.Group("/api/v1", NoStore)
	v1.Post("/auth/login", h.AuthLogin)
	v1.Post("/auth/verify", h.AuthVerify)
	v1.Post("/auth/refresh", h.AuthRefresh)

	v1.Post("/auth/logout", h.RequireAuth, h.AuthLogout)
	v1.Post("/sync/push", h.RequireAuth, h.SyncPush)
	gzipped := compress.New(compress.Config{Level: compress.LevelBestSpeed})
	v1.Get("/sync/pull", h.RequireAuth, gzipped, h.SyncPull)
	v1.Post("/sync/pull", h.RequireAuth, gzipped, h.SyncPullPost)
	v1.Get("/sync/events", h.RequireAuth, h.SyncEvents)
	v1.Get("/admin/backup", h.RequireAuth, h.AdminBackup)
	v1.Post("/integration/assignments", h.RequireAuth, h.IntegrationAssignments)
	v1.Get("/units/:id/statistics", h.RequireAuth, h.UnitStatistics)

	known := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		known[r.Path] = true
	}
	// The phone app's files; then 405 for a known path with another method, else 404.
	app.Get("/*", filesystem.New(filesystem.Config{Root: httpFS(web), Index: "index.html"}))
	app.Use(func(c *fiber.Ctx) error {
		if known[c.Path()] {
			return errMethod
		}
		return errNotFound
	})
}
