package boundary

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/gotong/gotong/internal/errs"
	"github.com/paulmach/orb"
)

// Limits bound what reading one GeoJSON file may hold or do.
type Limits struct {
	// MaxBytes bounds the file (default 50 MiB: the kelurahan of a whole province,
	// as the usual open-data files give them, are 10–40 MiB).
	MaxBytes int64
	// MaxFeatures bounds the features of the file (default 100,000: every
	// kelurahan of the country is 83,762).
	MaxFeatures int
	// MaxPoints bounds the points of one feature (default 200,000: a detailed
	// coastline kelurahan has a few tens of thousands).
	MaxPoints int
}

// DefaultLimits are the limits of an upload when none are set.
var DefaultLimits = Limits{MaxBytes: 50 << 20, MaxFeatures: 100_000, MaxPoints: 200_000}

func (l Limits) orDefault() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxFeatures <= 0 {
		l.MaxFeatures = DefaultLimits.MaxFeatures
	}
	if l.MaxPoints <= 0 {
		l.MaxPoints = DefaultLimits.MaxPoints
	}
	return l
}

// Feature is one feature of a FeatureCollection, its geometry a Polygon or a
// MultiPolygon (always returned as a MultiPolygon).
type Feature struct {
	Index      int // from 0, in the order of the file
	Properties map[string]any
	Shape      orb.MultiPolygon
	Points     int
}

// Property returns the feature's property name as text: a string as it is, a
// number without exponent or trailing zeros (a code typed as a number, 3171011001),
// and "" when it is missing, null or of another type.
func (f Feature) Property(name string) string {
	switch v := f.Properties[name].(type) {
	case string:
		return v
	case float64:
		if v == math.Trunc(v) {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}

// Read reads a GeoJSON FeatureCollection from r and calls fn for each feature, in
// order, as it is read: the file is decoded feature by feature, never held whole.
// A file that breaks a limit, is not JSON, not a FeatureCollection, or holds a
// feature that is not a Polygon or MultiPolygon is an error (errs.TooLarge or
// errs.Invalid) — possibly after fn was called for the features before it, so a
// caller that stores features keeps them until Read returns nil.
func Read(r io.Reader, lim Limits, fn func(Feature) error) error {
	lim = lim.orDefault()
	cr := &capped{r: r, left: lim.MaxBytes}
	dec := json.NewDecoder(cr)
	err := readCollection(dec, lim, fn)
	if cr.over {
		return errs.E(errs.TooLarge, "the file is larger than the upload limit of %d MiB", lim.MaxBytes>>20)
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, "the file is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return errs.E(errs.Invalid, "the file is not GeoJSON: a value of the wrong type at byte %d", typ.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "the file ends before the GeoJSON does")
	}
	return err
}

func readCollection(dec *json.Decoder, lim Limits, fn func(Feature) error) error {
	if err := delim(dec, '{'); err != nil {
		return err
	}
	var isCollection, haveFeatures bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case "type":
			var t string
			if err := dec.Decode(&t); err != nil {
				return err
			}
			isCollection = t == "FeatureCollection"
		case "features":
			if err := readFeatures(dec, lim, fn); err != nil {
				return err
			}
			haveFeatures = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	if err := delim(dec, '}'); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return errs.E(errs.Invalid, "the file holds more after the GeoJSON")
	}
	if !isCollection || !haveFeatures {
		return errNotCollection
	}
	return nil
}

var errNotCollection = errs.E(errs.Invalid, `the file is not a GeoJSON FeatureCollection ({"type":"FeatureCollection","features":[…]})`)

// delim reads the next token, which must be want.
func delim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return errNotCollection
	}
	return nil
}

func readFeatures(dec *json.Decoder, lim Limits, fn func(Feature) error) error {
	if err := delim(dec, '['); err != nil {
		return err
	}
	for i := 0; dec.More(); i++ {
		if i >= lim.MaxFeatures {
			return errs.E(errs.TooLarge, "the file has more than %d features", lim.MaxFeatures)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		f, err := parseFeature(raw, i, lim)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return delim(dec, ']')
}

func parseFeature(raw json.RawMessage, i int, lim Limits) (Feature, error) {
	var doc struct {
		Type       string          `json:"type"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Type != "Feature" {
		return Feature{}, errs.E(errs.Invalid, "feature %d is not a GeoJSON Feature", i+1)
	}
	if len(doc.Geometry) == 0 || string(doc.Geometry) == "null" {
		return Feature{}, errs.E(errs.Invalid, "feature %d has no geometry", i+1)
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(doc.Geometry, &g); err != nil {
		return Feature{}, errs.E(errs.Invalid, "feature %d has a malformed geometry", i+1)
	}
	var mp orb.MultiPolygon
	var err error
	switch g.Type {
	case "Polygon":
		var p orb.Polygon
		err = json.Unmarshal(g.Coordinates, &p)
		mp = orb.MultiPolygon{p}
	case "MultiPolygon":
		err = json.Unmarshal(g.Coordinates, &mp)
	default:
		return Feature{}, errs.E(errs.Invalid, "feature %d is a %s, not a Polygon or MultiPolygon", i+1, clip(g.Type))
	}
	if err != nil {
		return Feature{}, errs.E(errs.Invalid, "feature %d has malformed coordinates", i+1)
	}
	f := Feature{Index: i, Properties: doc.Properties, Shape: mp}
	for _, p := range mp {
		if len(p) == 0 {
			return Feature{}, errs.E(errs.Invalid, "feature %d has a polygon without rings", i+1)
		}
		for _, ring := range p {
			if len(ring) < 4 {
				return Feature{}, errs.E(errs.Invalid, "feature %d has a ring of fewer than 4 points", i+1)
			}
			for _, pt := range ring {
				if math.Abs(pt.Lon()) > 180 || math.Abs(pt.Lat()) > 90 {
					return Feature{}, errs.E(errs.Invalid, "feature %d has a point outside longitude -180…180, latitude -90…90", i+1)
				}
			}
			f.Points += len(ring)
		}
	}
	if len(mp) == 0 {
		return Feature{}, errs.E(errs.Invalid, "feature %d has an empty geometry", i+1)
	}
	if f.Points > lim.MaxPoints {
		return Feature{}, errs.E(errs.TooLarge, "feature %d has more than %d points", i+1, lim.MaxPoints)
	}
	return f, nil
}

// clip shortens a value of the file quoted in a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// capped reads at most left bytes of r, and says when r had more.
type capped struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One byte more tells a file of exactly the limit from a longer one.
		var b [1]byte
		if n, _ := io.ReadFull(c.r, b[:]); n > 0 {
			c.over = true
			return 0, errTooLong
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

var errTooLong = errors.New("boundary: file longer than the limit")
