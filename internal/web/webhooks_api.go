package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/errs"
)

// Courier providers: the admin stores each provider's webhook secret; providers
// report a package's progress to the webhook, signed with it (package deliver's
// webhook.go says how a callback is checked).

func (s *Server) apiCourierProvider(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Secret string `json:"secret"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	if err := s.providers.ProviderSecret(r.Context(), name, in.Secret); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "secret_set": true})
}

// apiCourierWebhook receives a provider's signed callback. No session and no token:
// the signature is the credential. The audit log names the provider as the actor.
func (s *Server) apiCourierWebhook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, deliver.WebhookMaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, errs.E(errs.TooLarge, "the callback is larger than %d bytes", deliver.WebhookMaxBody))
		} else {
			s.fail(w, r, errs.E(errs.Invalid, "the callback's body could not be read"))
		}
		return
	}
	ctx := r.Context()
	actor, _ := audit.ActorFrom(ctx)
	actor.ID, actor.Label = "courier:"+name, "courier provider "+name
	ev, err := s.providers.ProviderReceive(audit.WithActor(ctx, actor), name, r.Header, body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A replay gets the answer the first call got: it changed nothing either way.
	writeJSON(w, http.StatusOK, map[string]any{"allocation_id": ev.AllocationID, "status": ev.Status, "received": true})
}
