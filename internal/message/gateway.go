package message

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"
)

// DefaultGatewayBody is the request body a gateway gets when none is configured.
const DefaultGatewayBody = `{"to":{{json .To}},"text":{{json .Text}}}`

// GatewayConfig is an HTTP gateway for SMS or WhatsApp: Indonesian SMS gateways
// and the WhatsApp Business API each take a JSON POST, differently shaped, which
// Body describes.
type GatewayConfig struct {
	URL string
	// Auth is the value of the Authorization header ("Bearer …", "Basic …"); "" sends none.
	Auth string
	// Body is a text/template producing the JSON body from an Envelope (.To, .Text,
	// .Key, .Kind, .Lang); {{json .X}} writes a value as a JSON string, so no text
	// can break out of it. "" is DefaultGatewayBody. The WhatsApp Business API, say:
	// {"messaging_product":"whatsapp","to":{{json .To}},"type":"text","text":{"body":{{json .Text}}}}
	Body string
}

// Gateway posts messages to an HTTP gateway. Every request carries the message's
// idempotency key in the Idempotency-Key header. A 2xx answer is sent; 429, 5xx, a
// timeout or a broken connection is tried again; any other answer is permanent.
type Gateway struct {
	url    string
	auth   string
	body   *template.Template
	client *http.Client
}

// NewGateway checks cfg (the URL, and that the body template renders valid JSON
// for a text full of quotes and new lines) and returns its sender.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gateway URL %q: want http(s)://host/path", cfg.URL)
	}
	if cfg.Body == "" {
		cfg.Body = DefaultGatewayBody
	}
	t, err := template.New("body").Option("missingkey=error").Funcs(template.FuncMap{"json": jsonString}).Parse(cfg.Body)
	if err != nil {
		return nil, fmt.Errorf("gateway body template: %w", err)
	}
	g := &Gateway{url: cfg.URL, auth: cfg.Auth, body: t, client: &http.Client{Timeout: 30 * time.Second}}
	// Every field holds what breaks JSON written by hand: quotes, a backslash, a new line.
	const tricky = "\"kutip\"\n\\ {{ }}"
	b, err := g.render(Envelope{Key: tricky, Kind: tricky, Channel: tricky, To: tricky, Lang: tricky, Subject: tricky, Text: tricky})
	if err == nil && !json.Valid(b) {
		err = errors.New("it does not produce valid JSON")
	}
	if err != nil {
		return nil, fmt.Errorf("gateway body template: %w", err)
	}
	return g, nil
}

// jsonString writes s as a JSON string.
func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func (g *Gateway) render(e Envelope) ([]byte, error) {
	var b bytes.Buffer
	if err := g.body.Execute(&b, e); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Send posts e to the gateway.
func (g *Gateway) Send(ctx context.Context, e Envelope) error {
	body, err := g.render(e)
	if err != nil {
		return Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", e.Key)
	if g.auth != "" {
		req.Header.Set("Authorization", g.auth)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), g.url, "gateway")) // a transport error: try again
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("gateway answered %s: %s", resp.Status, bytes.TrimSpace(answer))
	}
	return Permanent(fmt.Errorf("gateway answered %s: %s", resp.Status, bytes.TrimSpace(answer)))
}
