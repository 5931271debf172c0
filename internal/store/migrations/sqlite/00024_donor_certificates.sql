-- +goose Up
-- The thank-you certificates of donors to the task force (internal/donate,
-- documents.go). A certificate states what the task force had received of an
-- organisation in good condition when it was issued; receipts keep coming, so the
-- statement is kept as it was printed and its signature is recomputed from this
-- row (never stored: a copied table cannot mint one). A new row is issued only
-- when what the organisation gave has changed since its latest certificate.
CREATE TABLE donor_certificates (
    id           TEXT PRIMARY KEY,               -- UUIDv7: the certificate's number
    org_id       TEXT NOT NULL,
    organization TEXT NOT NULL,                  -- its name as printed
    lines        TEXT NOT NULL,                  -- JSON [{"item","unit","good"}] as printed and signed
    good         INTEGER NOT NULL CHECK (good > 0), -- good units received, all items
    value        INTEGER NOT NULL CHECK (value >= 0), -- rupiah of the good units
    issued_at    TIMESTAMP NOT NULL                    -- whole seconds: what is signed
);
CREATE INDEX donor_certificates_org ON donor_certificates (org_id, issued_at);

-- +goose Down
DROP TABLE donor_certificates;
