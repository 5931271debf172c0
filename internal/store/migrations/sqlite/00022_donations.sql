-- +goose Up
-- Donations to the task force (internal/donate): warehouses and posts (gudang,
-- posko), the catalogue of goods, offers of goods by collaborators, what arrived
-- at intake, and stock kept as a ledger. Ids are UUIDv7. No personal data of
-- recipients; the contacts of a warehouse and a donor's offer are the
-- organisations' own.

-- A warehouse or post. org_id is the organisation that distributes its stock
-- (the task force): it alone commits from it; '' until the admin names one.
CREATE TABLE warehouses (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('gudang','posko')),
    region        TEXT NOT NULL,                -- a kelurahan or larger; offices act inside theirs
    chain         TEXT NOT NULL,                -- audit chain (kab/kota of the region)
    address       TEXT NOT NULL DEFAULT '',
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    org_id        TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX warehouses_region ON warehouses (region);

-- The catalogue the admin keeps: masker, hazmat, sarung tangan, paket sembako …
-- key is the lower-case name, unique. perishable goods carry expiry dates.
CREATE TABLE stock_items (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    perishable  INTEGER NOT NULL DEFAULT 0 CHECK (perishable IN (0,1)),
    created_at  TIMESTAMP NOT NULL
);

-- The catalogue's first items, which the task force asked for in 2020; the
-- admin adds more.
INSERT INTO stock_items (id, key, name, unit, perishable, created_at) VALUES
    ('item-masker', 'masker', 'Masker', 'pcs', 0, CURRENT_TIMESTAMP),
    ('item-masker-n95', 'masker n95', 'Masker N95', 'pcs', 0, CURRENT_TIMESTAMP),
    ('item-hazmat', 'hazmat', 'Hazmat', 'set', 0, CURRENT_TIMESTAMP),
    ('item-sarung-tangan', 'sarung tangan', 'Sarung tangan', 'pasang', 0, CURRENT_TIMESTAMP),
    ('item-face-shield', 'face shield', 'Face shield', 'pcs', 0, CURRENT_TIMESTAMP),
    ('item-hand-sanitizer', 'hand sanitizer', 'Hand sanitizer', 'botol', 1, CURRENT_TIMESTAMP),
    ('item-paket-sembako', 'paket sembako', 'Paket sembako', 'paket', 1, CURRENT_TIMESTAMP),
    ('item-beras', 'beras', 'Beras', 'kg', 1, CURRENT_TIMESTAMP),
    ('item-makanan-siap-saji', 'makanan siap saji', 'Makanan siap saji', 'porsi', 1, CURRENT_TIMESTAMP),
    ('item-vitamin', 'vitamin', 'Vitamin', 'botol', 1, CURRENT_TIMESTAMP);

-- An offer of goods. offered → accepted | declined | withdrawn; accepted →
-- received (each receipt; more may follow) → closed.
CREATE TABLE donations (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    region       TEXT NOT NULL,                 -- the warehouse's, for the office's scope
    chain        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('offered','accepted','declined','withdrawn','received','closed')),
    note         TEXT NOT NULL DEFAULT '',
    arrive_on    TEXT NOT NULL DEFAULT '',      -- YYYY-MM-DD the donor expects to deliver
    reason       TEXT NOT NULL DEFAULT '',      -- a decline's or a closing's reason
    client_ref   TEXT NOT NULL DEFAULT '',
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX donations_org ON donations (org_id, created_at);
CREATE INDEX donations_warehouse ON donations (warehouse_id, status, created_at);
CREATE UNIQUE INDEX donations_client_ref ON donations (org_id, client_ref) WHERE client_ref <> '';

-- The lines of an offer. item_id is '' for free text until an office maps it.
-- received counts every unit that arrived (any condition); good the units stocked.
CREATE TABLE donation_items (
    donation_id TEXT NOT NULL REFERENCES donations (id),
    line        INTEGER NOT NULL,
    item_id     TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_value  INTEGER NOT NULL DEFAULT 0 CHECK (unit_value >= 0),
    expires_on  TEXT NOT NULL DEFAULT '',
    received    INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
    good        INTEGER NOT NULL DEFAULT 0 CHECK (good >= 0 AND good <= received),
    PRIMARY KEY (donation_id, line)
);

-- One intake (tanda terima): what arrived of an offer at one time, who received
-- it. sig is the receipt's signature, printed into its verification URL.
CREATE TABLE donation_receipts (
    id            TEXT PRIMARY KEY,
    donation_id   TEXT NOT NULL REFERENCES donations (id),
    warehouse_id  TEXT NOT NULL,
    received_by   TEXT NOT NULL,                -- the user who recorded it
    receiver_name TEXT NOT NULL DEFAULT '',     -- who took the goods at the door
    note          TEXT NOT NULL DEFAULT '',
    units         INTEGER NOT NULL CHECK (units >= 0),
    good          INTEGER NOT NULL CHECK (good >= 0),
    value         INTEGER NOT NULL DEFAULT 0,   -- rupiah of the good units at the offer's unit values
    client_ref    TEXT NOT NULL DEFAULT '',
    received_at   TIMESTAMP NOT NULL            -- whole seconds: what is signed
);
CREATE INDEX donation_receipts_donation ON donation_receipts (donation_id, received_at);
CREATE UNIQUE INDEX donation_receipts_client_ref ON donation_receipts (donation_id, client_ref) WHERE client_ref <> '';

CREATE TABLE donation_receipt_lines (
    receipt_id  TEXT NOT NULL REFERENCES donation_receipts (id),
    line        INTEGER NOT NULL,               -- the offer's line
    item_id     TEXT NOT NULL,
    condition   TEXT NOT NULL CHECK (condition IN ('good','damaged','expired')),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    expires_on  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (receipt_id, line, condition)
);

-- Stock is the sum of its ledger. Every movement is one row of stock_moves;
-- stock and stock_lots are its running sums, written in the same transaction,
-- whose CHECKs refuse a movement that would make any of them negative.
-- Deltas: on_hand (goods in the warehouse), reserved (promised to commitments),
-- issued (delivered out). kinds: receipt, reserve, release, issue, adjust,
-- transfer_out, transfer_in.
CREATE TABLE stock_moves (
    id           TEXT PRIMARY KEY,
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    item_id      TEXT NOT NULL REFERENCES stock_items (id),
    expires_on   TEXT NOT NULL DEFAULT '',      -- the lot; '' for goods that do not expire
    kind         TEXT NOT NULL CHECK (kind IN ('receipt','reserve','release','issue','adjust','transfer_out','transfer_in')),
    on_hand      INTEGER NOT NULL DEFAULT 0,
    reserved     INTEGER NOT NULL DEFAULT 0,
    issued       INTEGER NOT NULL DEFAULT 0,
    ref          TEXT NOT NULL DEFAULT '',      -- the receipt, commitment or transfer
    reason       TEXT NOT NULL DEFAULT '',
    user_id      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX stock_moves_item ON stock_moves (warehouse_id, item_id, created_at);
CREATE INDEX stock_moves_ref ON stock_moves (ref);

CREATE TABLE stock (
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    item_id      TEXT NOT NULL REFERENCES stock_items (id),
    on_hand      INTEGER NOT NULL DEFAULT 0,
    reserved     INTEGER NOT NULL DEFAULT 0,
    issued       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (warehouse_id, item_id),
    CHECK (on_hand >= 0 AND reserved >= 0 AND issued >= 0 AND reserved <= on_hand)
);

CREATE TABLE stock_lots (
    warehouse_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    expires_on   TEXT NOT NULL,
    on_hand      INTEGER NOT NULL CHECK (on_hand >= 0),
    PRIMARY KEY (warehouse_id, item_id, expires_on)
);

-- What a commitment from a warehouse holds of its stock, settled with the
-- commitment's allocations in each of their transactions (donate.Stock.Settle).
CREATE TABLE stock_commitments (
    commitment_id TEXT PRIMARY KEY,
    warehouse_id  TEXT NOT NULL REFERENCES warehouses (id),
    item_id       TEXT NOT NULL REFERENCES stock_items (id),
    reserved      INTEGER NOT NULL CHECK (reserved >= 0),
    issued        INTEGER NOT NULL CHECK (issued >= 0)
);

-- A commitment may give from a warehouse's stock (the task force's onward
-- distribution): which warehouse and which of its items.
ALTER TABLE commitments ADD COLUMN warehouse_id TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN stock_item TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE commitments DROP COLUMN stock_item;
ALTER TABLE commitments DROP COLUMN warehouse_id;
DROP TABLE stock_commitments;
DROP TABLE stock_lots;
DROP TABLE stock;
DROP TABLE stock_moves;
DROP TABLE donation_receipt_lines;
DROP TABLE donation_receipts;
DROP TABLE donation_items;
DROP TABLE donations;
DROP TABLE stock_items;
DROP TABLE warehouses;
