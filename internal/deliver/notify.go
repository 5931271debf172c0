package deliver

import (
	"context"
	"strconv"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/document"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/store"
)

// Messages of delivery. Each is enqueued in the transaction of its event, so it
// exists if and only if the event committed:
//
//   - a run created: recipient_code by SMS to each stop's recipient (Ref: the
//     allocation id, so a recipient whose allocation moves to another run is told
//     once); recipients without a phone are skipped and counted. The code itself is
//     derived from the ref when the message is sent, never stored or logged.
//   - a delivery failed: delivery_failed by SMS to the recipient.
//   - allocations about to expire: allocation_expiring by e-mail to the
//     organisation's contact address, once per commitment and deadline day
//     (WarnExpiring, from the engine's tick).

// OrgContact names an organisation and gives its contact e-mail address, read
// through q (account.Service.OrgTx): the read pool outside a transaction, the
// transaction inside one (a merge's notice is enqueued in the merge's).
type OrgContact func(ctx context.Context, q store.Querier, orgID string) (name, email string, err error)

// Notifier holds what the messages of delivery need.
type Notifier struct {
	Outbox *message.Outbox
	Orgs   OrgContact
	// Channel is how recipients are told: message.SMS (default) or message.WhatsApp.
	Channel string
	// Warn is how long before its deadline an allocation is warned of (default 12 h).
	Warn time.Duration
}

// SetNotifier makes the service enqueue its messages through n; without one it
// sends none (a test of another capability, a command that sends nothing).
func (s *Service) SetNotifier(n Notifier) {
	if n.Channel == "" {
		n.Channel = message.SMS
	}
	if n.Warn <= 0 {
		n.Warn = 12 * time.Hour
	}
	s.notice = &n
}

// Unreachable counts recipients of created runs who had no phone to be told by.
func (s *Service) Unreachable() int64 { return s.unreachable.Load() }

// orgName is read before a run's transaction begins: the commitment's
// organisation's name, for its recipients' messages ("" when nothing is sent).
func (s *Service) orgName(ctx context.Context, who Who, commitmentID string) string {
	if s.notice == nil {
		return ""
	}
	c, err := s.allocs.Get(ctx, who, commitmentID)
	if err != nil {
		return "" // the transaction says why
	}
	name, _, err := s.notice.Orgs(ctx, s.db.R(), c.OrgID)
	if err != nil {
		return ""
	}
	return name
}

// tellRecipients enqueues, in tx, the recipient_code message of each stop of a new
// run of commitment c, from org.
func (s *Service) tellRecipients(ctx context.Context, tx *store.Tx, c allocate.Commitment, org string, stops []allocate.Stop) error {
	if s.notice == nil {
		return nil
	}
	if org == "" {
		org = "penyalur"
	}
	program := c.ProgramName
	if program == "" {
		var err error
		if program, err = s.allocs.ProgramName(ctx, tx, c.ProgramID); err != nil {
			return err
		}
	}
	for _, st := range stops {
		if st.Target.Phone == "" {
			s.unreachable.Add(1)
			continue
		}
		if err := s.notice.Outbox.Enqueue(ctx, tx, message.Message{Kind: "recipient_code", Channel: s.notice.Channel,
			To: st.Target.Phone, Ref: st.AllocationID, Region: st.Target.Region,
			Args: map[string]string{"program": program, "org": org}}); err != nil {
			return err
		}
	}
	return nil
}

// tellFailed enqueues, in tx, the delivery_failed message of failure f to its
// recipient (none without a phone).
func (s *Service) tellFailed(ctx context.Context, tx *store.Tx, f allocate.Failure) error {
	if s.notice == nil {
		return nil
	}
	n, err := s.allocs.RecipientNotice(ctx, tx, f.AllocationID)
	if err != nil || n.Phone == "" {
		return err
	}
	return s.notice.Outbox.Enqueue(ctx, tx, message.Message{Kind: "delivery_failed", Channel: s.notice.Channel,
		To: n.Phone, Ref: f.AllocationID, Region: n.Region, Args: map[string]string{"program": n.Program, "reason": f.Reason}})
}

// wake asks the outbox to send now what a committed transaction enqueued.
func (s *Service) wake() {
	if s.notice != nil {
		s.notice.Outbox.Wake()
	}
}

// WarnExpiring enqueues an allocation_expiring e-mail to the organisation of every
// commitment with reserved allocations whose deadline falls within the warning
// window, one per commitment and deadline day (the outbox's unique ref makes a
// later pass a no-op). It returns how many warnings it enqueued or found already
// enqueued.
func (s *Service) WarnExpiring(ctx context.Context) (int, error) {
	if s.notice == nil {
		return 0, nil
	}
	due, err := s.allocs.ExpiringSoon(ctx, s.notice.Warn)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	emails := map[string]string{}
	for _, e := range due {
		if _, ok := emails[e.OrgID]; ok {
			continue
		}
		_, email, err := s.notice.Orgs(ctx, s.db.R(), e.OrgID)
		if err != nil {
			return 0, err
		}
		emails[e.OrgID] = email
	}
	n := 0
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		n = 0
		names := map[string]string{}
		for _, e := range due {
			if emails[e.OrgID] == "" {
				continue
			}
			name, ok := names[e.ProgramID]
			if !ok {
				if name, err = s.allocs.ProgramName(ctx, tx, e.ProgramID); err != nil {
					return err
				}
				names[e.ProgramID] = name
			}
			if err := s.notice.Outbox.Enqueue(ctx, tx, message.Message{Kind: "allocation_expiring", Channel: message.Email,
				To: emails[e.OrgID], Ref: e.CommitmentID + "/" + e.Day, Region: e.Region,
				Args: map[string]string{"program": name, "count": strconv.Itoa(e.Count), "deadline": document.FormatDateTime(e.First)}}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		s.wake()
	}
	return n, err
}
