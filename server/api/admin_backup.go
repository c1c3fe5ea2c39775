package api

import (
	"io"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
)

// AdminBackup sends an administrator a consistent copy of the whole data file: care
// records, users, sessions and the token key. Restoring it is described in
// docs/OPERATIONS.md.
//
// The copy is first written to a temporary file beside the store and then sent from there.
// Streaming straight from bbolt's read transaction would hold that transaction open for
// as long as the client takes to read, and while it is open bbolt cannot remap a growing
// file: on a slow link every push could wait for the download. Written locally, the
// transaction lasts as long as the disk takes; the file takes disk space (the size of the
// store) but no memory, and it has no name, so it disappears when sent.
func (h *Handlers) AdminBackup(c *fiber.Ctx) error {
	p := principal(c)
	if !p.User.Admin {
		return errForbidden
	}
	file, size, err := h.Engine.BackupFile()
	if err != nil {
		h.Log.Error("api: backup failed", "user_id", p.User.ID, "err", err)
		return errInternal
	}
	// The copy holds every client's data: it is a read of each, logged as one before the
	// file leaves (what cannot be logged is not sent).
	entries, err := accesslog.FromBackup(h.Engine, p.User.ID, p.Claims.DeviceID, h.Identity.Units())
	if err == nil {
		err = accesslog.Write(c.UserContext(), h.Engine, entries)
	}
	if err != nil {
		file.Close()
		h.Log.Error("api: the reads of a backup could not be logged; it was not sent", "user_id", p.User.ID, "err", err)
		return errUnavailable
	}
	h.Log.Info("api: backup taken", "user_id", p.User.ID, "bytes", size, "clients", len(entries))
	name := "vardag-" + h.Now().UTC().Format("20060102T150405Z") + ".db"
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	// fasthttp closes the body stream once sent (or when the answer is dropped).
	return c.SendStream(&renewingReader{rc: file, conn: c.Context().Conn(), timeout: h.WriteTimeout}, int(size))
}

// renewingReader renews the connection's write deadline before each piece is sent.
// fasthttp sets the server's write timeout once for the whole answer, which a large file
// on a slow link outlasts; a client that stops reading still fails within it.
type renewingReader struct {
	rc      io.ReadCloser
	conn    net.Conn
	timeout time.Duration
}

func (r *renewingReader) Read(p []byte) (int, error) {
	if r.timeout > 0 {
		_ = r.conn.SetWriteDeadline(time.Now().Add(r.timeout))
	}
	return r.rc.Read(p)
}

func (r *renewingReader) Close() error { return r.rc.Close() }
