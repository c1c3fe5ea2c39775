package crash

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"vardag/internal/auth"
	"vardag/internal/demo"
	"vardag/internal/uuids"
)

// client talks HTTP to one run of the server.
type client struct {
	base string
	http *http.Client
}

func newClient(url string) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	return &client{base: url, http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
}

// do sends a request and reads the answer whole. An error is a transport failure: the
// server is dead, or died while answering.
func (c *client) do(method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

// phone is one logged-in device and what it has sent.
type phone struct {
	n        int
	token    string
	deviceID string
	next     uint64     // the next mutation id
	acked    uint64     // the last mutation id answered 200
	pending  []mutation // a push sent (or about to be) without an answer
}

type mutation struct {
	ID         uint64    `json:"id"`
	Name       string    `json:"name"`
	Args       noteArgs  `json:"args"`
	ClientTime time.Time `json:"client_time"`
}

type noteArgs struct {
	NoteID     string    `json:"note_id"`
	ClientID   string    `json:"client_id"`
	Heading    string    `json:"heading"`
	Keywords   []string  `json:"keywords"`
	Text       string    `json:"text"`
	OccurredAt time.Time `json:"occurred_at"`
}

// noteText is the (invented) text of a harness note: the pull must give it back.
func noteText(noteID string) string { return "Harness note " + noteID + ". Stödsamtal, allt lugnt." }

// newBatch numbers n new notes from the phone's next id and keeps them as pending.
func (p *phone) newBatch(n int) []mutation {
	now := time.Now().UTC()
	batch := make([]mutation, n)
	for i := range batch {
		id := uuids.New()
		batch[i] = mutation{ID: p.next, Name: "journal.note.add", ClientTime: now, Args: noteArgs{
			NoteID: id, ClientID: demo.ClientID(1 + int(p.next%6)), Heading: "Besök", Keywords: []string{"Omvårdnad"},
			Text: noteText(id), OccurredAt: now.Add(-time.Minute)}}
		p.next++
	}
	p.pending = batch
	return batch
}

type pushRequest struct {
	DeviceID  string     `json:"device_id"`
	Mutations []mutation `json:"mutations"`
}

type pushResult struct {
	LastMutationID uint64 `json:"last_mutation_id"`
	Results        []struct {
		ID        uint64          `json:"id"`
		Status    string          `json:"status"`
		Duplicate bool            `json:"duplicate"`
		Version   uint64          `json:"version"`
		Error     json.RawMessage `json:"error"`
	} `json:"results"`
}

type pullPage struct {
	Cursor         string `json:"cursor"`
	More           bool   `json:"more"`
	LastMutationID uint64 `json:"last_mutation_id"`
	Changes        []struct {
		Kind    string `json:"kind"`
		ID      string `json:"id"`
		Op      string `json:"op"`
		Version uint64 `json:"version"`
		Data    struct {
			Text string `json:"text"`
		} `json:"data"`
	} `json:"changes"`
}

// totp hands out each user's codes in rising time steps: the server takes a step once per
// user, and the previous, current and next step, so a user logs in three times at once.
type totp map[string]int64

func (c totp) code(user string) (string, error) {
	for range 40 { // at most one step's wait
		lowest := time.Now().Add(2*time.Second).Unix()/30 - 1 // 2 s margin before a step ends
		step := max(c[user]+1, lowest)
		if step <= time.Now().Unix()/30+1 {
			c[user] = step
			return auth.TOTPCode(demo.TOTPSecret, time.Unix(step*30, 0))
		}
		time.Sleep(time.Second)
	}
	return "", fmt.Errorf("no TOTP step free for %s", user)
}

// login logs a demo user in as a new device.
func login(c *client, codes totp, user string, n int) (*phone, error) {
	status, raw, err := c.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": demo.Password})
	if err != nil || status != 200 {
		return nil, fmt.Errorf("login %s: %d %v %s", user, status, err, raw)
	}
	var ch struct {
		MFAToken string `json:"mfa_token"`
	}
	if err := json.Unmarshal(raw, &ch); err != nil {
		return nil, err
	}
	code, err := codes.code(user)
	if err != nil {
		return nil, err
	}
	status, raw, err = c.do("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": ch.MFAToken, "method": "totp", "code": code})
	if err != nil || status != 200 {
		return nil, fmt.Errorf("verify %s: %d %v %s", user, status, err, raw)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		DeviceID    string `json:"device_id"`
	}
	if err := json.Unmarshal(raw, &tok); err != nil {
		return nil, err
	}
	return &phone{n: n, token: tok.AccessToken, deviceID: tok.DeviceID, next: 1}, nil
}

// pull reads one page after cursor with the phone's token.
func (c *client) pull(p *phone, cursor string, limit int) (pullPage, error) {
	var page pullPage
	status, raw, err := c.do("GET", fmt.Sprintf("/api/v1/sync/pull?limit=%d&cursor=%s", limit, url.QueryEscape(cursor)), p.token, nil)
	if err != nil || status != 200 {
		return page, fmt.Errorf("pull: %d %v %.200s", status, err, raw)
	}
	return page, json.Unmarshal(raw, &page)
}
