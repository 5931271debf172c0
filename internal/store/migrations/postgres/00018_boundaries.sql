-- +goose Up
-- Region boundaries for the map (internal/boundary): one row per kabupaten/kota,
-- kecamatan or kelurahan whose outline an admin uploaded as GeoJSON, the geometry
-- simplified for display and kept as GeoJSON text, which the map sends as it is.
-- The map asks for the children of one region, hence the index on parent. No
-- personal data.
CREATE TABLE boundaries (
    code          TEXT PRIMARY KEY,             -- the region's dotted Kemendagri code
    parent        TEXT NOT NULL,                -- its parent's code
    geometry      TEXT NOT NULL,                -- GeoJSON Polygon or MultiPolygon, simplified
    points_before INTEGER NOT NULL CHECK (points_before > 0),
    points_after  INTEGER NOT NULL CHECK (points_after > 0 AND points_after <= points_before),
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX boundaries_parent ON boundaries (parent);

-- +goose Down
DROP TABLE boundaries;
