package deliver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// WrongCodesPerHour is how many wrong recipient codes one allocation takes in an
// hour; from the next one on, every code is refused (rate_limited) until the hour
// has passed, the right one included, so a code cannot be guessed.
const WrongCodesPerHour = 5

// Proof is what a courier or collaborator gives to record a delivery: the
// recipient's code, or a photo and who received the package; where, when the phone
// allows.
type Proof struct {
	Code       string
	ReceivedBy string
	Lat, Lon   *float64
	// Photo is the uploaded image (JPEG or PNG), nil for a code.
	Photo io.Reader
}

func (p *Proof) check() error {
	p.Code, p.ReceivedBy = strings.TrimSpace(p.Code), strings.TrimSpace(p.ReceivedBy)
	if len([]rune(p.ReceivedBy)) > 100 {
		return errs.E(errs.Invalid, "received_by has at most 100 characters")
	}
	if (p.Lat == nil) != (p.Lon == nil) {
		return errs.E(errs.Invalid, "give lat and lon together")
	}
	if p.Lat != nil {
		lat, lon := *p.Lat, *p.Lon
		if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return errs.E(errs.Invalid, "lat must be within -90 and 90 and lon within -180 and 180")
		}
	}
	if p.Photo != nil {
		if p.ReceivedBy == "" {
			return errs.E(errs.Invalid, "a photo needs received_by: who took the package")
		}
		return nil
	}
	if p.Code == "" {
		return errs.E(errs.Invalid, "the recipient's code, or a photo, is needed to record a delivery")
	}
	return nil
}

// scope checks, in tx, that the caller may act on the allocation and returns the
// open run it is a stop of (” if none).
type scope func(ctx context.Context, tx *store.Tx, allocationID string) (deliveryID string, err error)

// Deliver records the delivery of an allocation of who's organisation and answers
// it as the API shows it.
func (s *Service) Deliver(ctx context.Context, who Who, allocationID string, p Proof) (allocate.DeliveredView, error) {
	if err := s.deliver(ctx, allocationID, p, who.UserID, s.ownScope(who)); err != nil {
		return allocate.DeliveredView{}, err
	}
	return s.allocs.Delivered(ctx, who, allocationID)
}

// ownScope lets who act on its organisation's allocations (any, for an admin).
func (s *Service) ownScope(who Who) scope {
	return func(ctx context.Context, tx *store.Tx, id string) (string, error) {
		if _, err := s.allocs.OwnAllocation(ctx, tx, who, id); err != nil {
			return "", err
		}
		return openRunOf(ctx, tx, id)
	}
}

// openRunOf is the open run an allocation is a stop of, ” if none.
func openRunOf(ctx context.Context, tx *store.Tx, allocationID string) (string, error) {
	ids, err := store.All(ctx, tx, store.String, `SELECT delivery_id FROM delivery_stops WHERE allocation_id = $1 AND open = 1`, allocationID)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return ids[0], nil
}

// deliver checks the proof and records the delivery in one transaction: the
// allocation's transition (allocate.DeliverTx), its proof, and the run moved on.
// A wrong code is counted in a transaction that commits although the request
// fails; after WrongCodesPerHour of them every code is refused for the hour.
func (s *Service) deliver(ctx context.Context, allocationID string, p Proof, recordedBy string, may scope) error {
	if err := p.check(); err != nil {
		return err
	}
	kind, photo := allocate.ProofCode, ""
	if p.Photo != nil {
		name, err := s.storePhoto(p.Photo)
		if err != nil {
			return err
		}
		kind, photo = allocate.ProofPhoto, name
	}
	wrong := false
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		wrong = false
		runID, err := may(ctx, tx, allocationID)
		if err != nil {
			return err
		}
		now := s.Now()
		if kind == allocate.ProofCode {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM delivery_attempts WHERE allocation_id = $1 AND at > $2`,
				allocationID, now.Add(-time.Hour)).Scan(&n); err != nil {
				return err
			}
			if n >= WrongCodesPerHour {
				return errs.E(errs.RateLimited, "too many wrong codes for this package; try again in an hour")
			}
			if !s.codes.Check(allocationID, p.Code) {
				wrong = true
				_, err := tx.ExecContext(ctx, `INSERT INTO delivery_attempts (id, allocation_id, at) VALUES ($1, $2, $3)`, newID(), allocationID, now)
				return err
			}
		}
		return s.deliveredIn(ctx, tx, allocationID, runID, kind, photo, p, recordedBy)
	})
	if err != nil && photo != "" {
		_ = os.Remove(filepath.Join(s.photoDir, photo))
	}
	if err == nil && wrong {
		return errs.E(errs.Invalid, "the code is not this package's code")
	}
	if err == nil {
		s.wake() // the thank-you of a commitment this delivery completed
	}
	return err
}

// deliveredIn records, inside tx, that the allocation reached its recipient with
// this proof (already checked): the transition, the proof row, the run moved on.
func (s *Service) deliveredIn(ctx context.Context, tx *store.Tx, allocationID, runID, kind, photo string, p Proof, recordedBy string) error {
	detail := map[string]any{"received_by_given": p.ReceivedBy != "", "location": p.Lat != nil}
	if runID != "" {
		detail["delivery"] = runID
	}
	if _, err := s.allocs.DeliverTx(ctx, tx, allocationID, kind, detail); err != nil {
		return err
	}
	region, err := s.allocs.OwnAllocation(ctx, tx, anyOrg, allocationID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_proofs (allocation_id, delivery_id, region, kind, received_by, photo, lat, lon, recorded_by, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, allocationID, runID, region, kind, p.ReceivedBy, photo, p.Lat, p.Lon, recordedBy, s.Now()); err != nil {
		return err
	}
	return s.stopEnded(ctx, tx, runID, allocationID)
}

// stopEnded closes an ended allocation's stop in its run, marks the run in progress,
// and done when no stop is left open; the allocation's commitment may be complete
// (record.go).
func (s *Service) stopEnded(ctx context.Context, tx *store.Tx, runID, allocationID string) error {
	if err := s.commitmentOfEnded(ctx, tx, allocationID); err != nil {
		return err
	}
	if runID == "" {
		return nil
	}
	now := s.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE delivery_stops SET open = 0 WHERE delivery_id = $1 AND allocation_id = $2`, runID, allocationID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE deliveries SET updated_at = $1,
		status = CASE WHEN EXISTS (SELECT 1 FROM delivery_stops WHERE delivery_id = $2 AND open = 1) THEN 'in_progress' ELSE 'done' END
		WHERE id = $2 AND status IN ('assigned','in_progress')`, now, runID)
	return err
}

// storePhoto checks an uploaded photo and keeps it re-encoded under photoDir:
// its type is sniffed from its bytes (JPEG or PNG, whatever its name says), its size
// and pixel count are bounded before it is decoded, and decoding and encoding it
// again leaves every metadata segment (EXIF with GPS, comments, profiles) behind.
func (s *Service) storePhoto(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, s.MaxPhotoBytes+1))
	if err != nil {
		return "", errs.E(errs.Invalid, "the photo could not be read")
	}
	if int64(len(data)) > s.MaxPhotoBytes {
		return "", errs.E(errs.TooLarge, "the photo is larger than %d MiB", s.MaxPhotoBytes>>20)
	}
	kind := http.DetectContentType(data)
	if kind != "image/jpeg" && kind != "image/png" {
		return "", errs.E(errs.Invalid, "the photo must be a JPEG or PNG image")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", errs.E(errs.Invalid, "the photo must be a JPEG or PNG image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > s.MaxPixels || cfg.Width > 1<<15 || cfg.Height > 1<<15 {
		return "", errs.E(errs.TooLarge, "the photo has more than %d million pixels", s.MaxPixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", errs.E(errs.Invalid, "the photo must be a JPEG or PNG image")
	}
	var buf bytes.Buffer
	ext := ".jpg"
	if kind == "image/png" {
		ext = ".png"
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(s.photoDir, 0o700); err != nil {
		return "", err
	}
	// The name is random alone: allocation ids come from the request's path,
	// where an escaped "../" would otherwise lead the file out of photoDir (the
	// proof's row ties the file to its allocation).
	rnd := make([]byte, 16)
	_, _ = rand.Read(rnd)
	name := hex.EncodeToString(rnd) + ext
	if err := os.WriteFile(filepath.Join(s.photoDir, name), buf.Bytes(), 0o600); err != nil {
		return "", err
	}
	return name, nil
}

// PhotoPath is where a proof's stored photo is (for the tests and the pages).
func (s *Service) PhotoPath(ctx context.Context, allocationID string) (string, error) {
	var name string
	if err := store.One(ctx, s.db.R(), `SELECT photo FROM delivery_proofs WHERE allocation_id = $1`, allocationID).Scan(&name); err != nil {
		return "", store.NotFound(err, "no such proof")
	}
	return filepath.Join(s.photoDir, name), nil
}

// StopsEnded closes, inside tx, the open stops of allocations that ended without
// reaching their door (expired, cancelled with their commitment), and marks done
// each run left with no open stop. allocate calls it (Service.OnEnded) at the end
// of the transaction that ended them, so a run never waits for stops that can no
// longer move, and the allocation is free of its run. A commitment left with nothing
// to do gets its certificate and its message, as after its last delivery.
func (s *Service) StopsEnded(ctx context.Context, tx *store.Tx, allocationIDs, commitmentIDs []string) error {
	for start := 0; start < len(allocationIDs); start += 500 {
		part := allocationIDs[start:min(start+500, len(allocationIDs))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		in := store.InList(tx.Engine, 1, len(part))
		runs, err := store.All(ctx, tx, store.String, `SELECT DISTINCT delivery_id FROM delivery_stops WHERE open = 1 AND allocation_id IN (`+in+`) ORDER BY 1`, args...)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE delivery_stops SET open = 0 WHERE open = 1 AND allocation_id IN (`+in+`)`, args...); err != nil {
			return err
		}
		for _, run := range runs {
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'done', updated_at = $1
				WHERE id = $2 AND status IN ('assigned','in_progress')
				AND NOT EXISTS (SELECT 1 FROM delivery_stops WHERE delivery_id = $2 AND open = 1)`, s.Now(), run); err != nil {
				return err
			}
		}
	}
	if s.rec == nil {
		return nil
	}
	for _, cid := range commitmentIDs {
		if err := s.commitmentEnded(ctx, tx, cid); err != nil {
			return err
		}
	}
	return nil
}
