package registry

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokOther tokKind = iota // a comment or processing instruction
	tokStart
	tokEnd
	tokText
	tokEOF // the scanner's: the part's end, after its root
)

// sheetTok is a token of a workbook part as the readers need it, from encoding/xml
// or from the scanner. Its slices are valid until the next token.
type sheetTok struct {
	kind tokKind
	name string // an element's local name (the scanner's are knownName's)
	ref  []byte // a start's r attribute, empty when it has none
	typ  []byte // a start's t attribute
	text []byte
}

var (
	// errFallback: the scanner gave up; the part is read again with encoding/xml.
	errFallback  = errors.New("the part is read again with encoding/xml")
	errDirective = errors.New("a directive")
)

// partTokens are the tokens of a part: encoding/xml's, and after handoff the
// scanner's.
type partTokens struct {
	src      *xmlSource
	dec      *xml.Decoder
	scan     *sheetScanner
	tok      sheetTok
	ref, typ []byte
}

// newPartTokens reads r through an xmlSource bounded by limit and token; with scan,
// the scanner may take over at handoff.
func newPartTokens(r io.Reader, limit, token int64, scan bool) *partTokens {
	src := newXMLSource(r, limit, token)
	src.rec = scan
	return &partTokens{src: src, dec: xml.NewDecoder(src)}
}

// next is the next token; errFallback when the scanner gives up, io.EOF at the end,
// errDirective for a directive, or encoding/xml's error.
func (p *partTokens) next() (*sheetTok, error) {
	tok := &p.tok
	if p.scan != nil {
		if !p.scan.next(tok) {
			return nil, errFallback
		}
		if tok.kind == tokEOF {
			return nil, io.EOF
		}
		return tok, nil
	}
	p.src.raw = p.src.raw[:0]
	t, err := p.dec.Token()
	p.src.mark()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case xml.StartElement:
		p.ref = append(p.ref[:0], attr(t, "r")...)
		p.typ = append(p.typ[:0], attr(t, "t")...)
		*tok = sheetTok{kind: tokStart, name: t.Name.Local, ref: p.ref, typ: p.typ}
	case xml.EndElement:
		*tok = sheetTok{kind: tokEnd, name: t.Name.Local}
	case xml.CharData:
		*tok = sheetTok{kind: tokText, text: t}
	case xml.Directive:
		return nil, errDirective
	default:
		*tok = sheetTok{kind: tokOther}
	}
	return tok, nil
}

// handoff passes the rest of the element encoding/xml has just given the start of
// to the scanner (whatever precedes it is encoding/xml's to judge), when the
// decoder holds no byte it has read and no end still to give. Called once.
func (p *partTokens) handoff() {
	tag, scan := p.src.raw, p.src.rec
	p.src.rec, p.src.raw = false, nil
	if !scan || p.dec.InputOffset() != p.src.n || bytes.HasSuffix(tag, []byte("/>")) {
		return
	}
	tag = bytes.TrimPrefix(tag, []byte("<"))
	if j, _, ok := name(tag, 0); ok && j < len(tag) {
		p.scan = newSheetScanner(p.src.r, p.src.n, p.src.limit, p.src.token, tag[:j])
	}
}

// pos is the bytes of the part read so far, as encoding/xml consumes them.
func (p *partTokens) pos() int64 {
	if p.scan != nil {
		return p.scan.end
	}
	return p.src.n
}

// sheetScanner reads the rows of a sheet (the part of it inside sheetData), and the
// shared-string table inside its root, without encoding/xml, whose tokenizer costs most of the time of reading a workbook: it
// reads a byte at a time through an interface, and allocates every token, name and
// attribute. The scanner knows the narrow subset of XML that sheet data is written
// in — elements with or without a namespace prefix, quoted attributes, text with the
// five named entities and character references, CDATA — and reads it from a window
// of bytes without allocating.
//
// It never decides anything encoding/xml would decide otherwise. On whatever it does
// not know (a comment, a processing instruction, a directive, a name or attribute
// value outside ASCII, an entity in an attribute value) and on whatever is wrong (a
// syntax error, the end of the part, a read error, a token or the part near their
// byte bounds) it gives up, and the reader reads the part (the sheet, or the shared
// strings) again from its start with encoding/xml, which then says what is wrong,
// with the same words and line numbers as ever. So for what the scanner accepts it must give exactly the tokens
// encoding/xml gives (FuzzXLSXScanner holds it to that), and it must count bytes as
// encoding/xml consumes them, for the row bound.
type sheetScanner struct {
	r   io.Reader
	err error  // the reader's error, met only when more bytes are needed
	buf []byte // the window: buf[off:] is not read yet
	off int
	at  int64 // the part's offset of buf[0]

	// end is the offset past the last token, counted as encoding/xml counts the
	// bytes it has consumed (text counts the '<' it peeks at); limit and token are
	// the xmlSource's bounds, which the scanner keeps away from.
	end          int64
	limit, token int64

	// names holds the raw names of the elements open since the scan began, one
	// after another, ending at nameEnds; base is the raw name of the element the
	// scan began in (sheetData, or the shared strings' root).
	names    []byte
	nameEnds []int
	base     []byte
	closing  string // a self-closing element's end is the next token
	closed   bool   // the element the scan began in has ended

	text []byte // decoded text, when it differs from the bytes
}

// scanWindow is the window's usual size; it grows only for a token longer than that,
// up to the token bound.
const scanWindow = 64 << 10

func newSheetScanner(r io.Reader, at, limit, token int64, base []byte) *sheetScanner {
	return &sheetScanner{r: r, at: at, end: at, limit: limit, token: token,
		buf: make([]byte, 0, scanWindow), base: bytes.Clone(base)}
}

// more reads more bytes into the window, keeping buf[off:]; false when there are
// none (the end of the part or a read error, left in s.err) or the window would
// outgrow the token bound.
func (s *sheetScanner) more() bool {
	if s.err != nil {
		return false
	}
	if s.off > 0 {
		n := copy(s.buf, s.buf[s.off:])
		s.at += int64(s.off)
		s.buf, s.off = s.buf[:n], 0
	}
	if len(s.buf) == cap(s.buf) {
		if int64(cap(s.buf)) > s.token {
			return false
		}
		s.buf = append(s.buf, make([]byte, cap(s.buf))...)[:len(s.buf)]
	}
	n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	if err != nil {
		s.err = err
	}
	return n > 0 || err == nil
}

// next reads the next token into tok; false: the scanner gives up here.
func (s *sheetScanner) next(tok *sheetTok) bool {
	if s.closing != "" {
		*tok = sheetTok{kind: tokEnd, name: s.closing}
		s.closing = ""
		return true
	}
	if s.closed {
		return s.tail(tok)
	}
	for {
		n, end, ok := s.parse(s.buf[s.off:], tok)
		if !ok {
			return false
		}
		if n < 0 { // the token runs past the window
			if !s.more() {
				return false
			}
			continue
		}
		// The bounds of xmlSource, with a byte to spare.
		at := s.at + int64(s.off) + int64(end)
		if at-s.end >= s.token-1 || at >= s.limit-1 {
			return false
		}
		s.off += n
		s.end = at
		return true
	}
}

// tail reads what follows the element the scan began in, when that is the root:
// white space to the end of the part is its end (encoding/xml gives it as text,
// which no reader takes, then io.EOF); anything else is left to encoding/xml.
func (s *sheetScanner) tail(tok *sheetTok) bool {
	for {
		rest := s.buf[s.off:]
		if space(rest, 0) < len(rest) {
			return false
		}
		if at := s.at + int64(len(s.buf)); at-s.end >= s.token-1 || at >= s.limit-1 {
			return false
		}
		if !s.more() {
			*tok = sheetTok{kind: tokEOF}
			return s.err == io.EOF
		}
	}
}

// parse reads the token at the start of b into tok: n is the bytes it takes (-1: b
// ends first), end the bytes encoding/xml consumes for it; false: give up.
func (s *sheetScanner) parse(b []byte, tok *sheetTok) (n, end int, ok bool) {
	if len(b) == 0 {
		return -1, 0, true
	}
	if b[0] != '<' {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			return -1, 0, true
		}
		text, ok := s.decode(b[:i], false)
		*tok = sheetTok{kind: tokText, text: text}
		return i, i + 1, ok
	}
	if len(b) < 2 {
		return -1, 0, true
	}
	switch b[1] {
	case '/':
		return s.endTag(b, tok)
	case '!':
		return s.cdata(b, tok)
	case '?':
		return 0, 0, false
	}
	return s.startTag(b, tok)
}

// nameChar: 1 for a byte that may begin a name, 2 for one that may only follow.
var nameChar = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = 1, 1
	}
	t['_'], t[':'] = 1, 1
	for c := '0'; c <= '9'; c++ {
		t[c] = 2
	}
	t['.'], t['-'] = 2, 2
	return t
}()

// name reads the name at b[i:]: its end and where its local part begins; false:
// not an ASCII name encoding/xml would take as a name with at most one prefix.
// A name that runs to the end of b gives j == len(b).
func name(b []byte, i int) (j, local int, ok bool) {
	if i >= len(b) {
		return len(b), 0, true
	}
	if nameChar[b[i]] != 1 {
		return 0, 0, false
	}
	local, colons := i, 0
	for j = i; j < len(b) && nameChar[b[j]] != 0; j++ {
		if b[j] == ':' {
			colons++
			local = j + 1
		}
	}
	if j < len(b) && b[j] >= utf8.RuneSelf || colons > 1 {
		return 0, 0, false
	}
	// encoding/xml splits "a:b" only; ":b" and "a:" are local names whole.
	if colons == 1 && (b[i] == ':' || b[j-1] == ':') {
		local = i
	}
	return j, local, true
}

// space is the index of the first byte at or after i that is not XML white space.
func space(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

func (s *sheetScanner) startTag(b []byte, tok *sheetTok) (n, end int, ok bool) {
	j, local, ok := name(b, 1)
	if !ok || j == len(b) {
		return -1, 0, ok
	}
	*tok = sheetTok{kind: tokStart, name: knownName(b[local:j])}
	raw := b[1:j]
	for i := j; ; {
		i = space(b, i)
		if i == len(b) {
			return -1, 0, true
		}
		switch b[i] {
		case '/':
			if i+1 == len(b) {
				return -1, 0, true
			}
			if b[i+1] != '>' {
				return 0, 0, false
			}
			s.closing = tok.name
			return i + 2, i + 2, true
		case '>':
			s.push(raw)
			return i + 1, i + 1, true
		}
		at := i
		a, alocal, ok := name(b, at)
		if !ok || a == len(b) {
			return -1, 0, ok
		}
		i = space(b, a)
		if i == len(b) {
			return -1, 0, true
		}
		if b[i] != '=' {
			return 0, 0, false
		}
		if i = space(b, i+1); i == len(b) {
			return -1, 0, true
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return 0, 0, false
		}
		v := i + 1
		for i = v; i < len(b) && b[i] != q; i++ {
			// Entities and carriage returns would be rewritten, other bytes
			// checked: left to encoding/xml, as sheets have neither.
			if c := b[i]; c == '<' || c == '&' || c < 0x20 && c != '\t' && c != '\n' || c >= utf8.RuneSelf {
				return 0, 0, false
			}
		}
		if i == len(b) {
			return -1, 0, true
		}
		if a-alocal == 1 && (b[alocal] == 'r' || b[alocal] == 't') {
			switch {
			case alocal != at:
				// A prefixed r or t: encoding/xml takes it for the cell's own
				// when its prefix is bound to the empty name space.
				return 0, 0, false
			case b[alocal] == 'r' && tok.ref == nil:
				tok.ref = b[v:i]
			case b[alocal] == 't' && tok.typ == nil:
				tok.typ = b[v:i]
			}
		}
		i++
	}
}

func (s *sheetScanner) push(raw []byte) {
	s.names = append(s.names, raw...)
	s.nameEnds = append(s.nameEnds, len(s.names))
}

func (s *sheetScanner) endTag(b []byte, tok *sheetTok) (n, end int, ok bool) {
	j, local, ok := name(b, 2)
	if !ok || j == len(b) {
		return -1, 0, ok
	}
	i := space(b, j)
	if i == len(b) {
		return -1, 0, true
	}
	if b[i] != '>' || j == 2 {
		return 0, 0, false
	}
	// The end must close the element open, by the same name, prefix and all.
	open := s.base
	if k := len(s.nameEnds); k > 0 {
		from := 0
		if k > 1 {
			from = s.nameEnds[k-2]
		}
		open = s.names[from:s.nameEnds[k-1]]
	}
	if !bytes.Equal(open, b[2:j]) {
		return 0, 0, false
	}
	if k := len(s.nameEnds); k > 0 {
		s.nameEnds = s.nameEnds[:k-1]
		s.names = s.names[:len(s.names)-len(open)]
	} else {
		s.closed = true
	}
	*tok = sheetTok{kind: tokEnd, name: knownName(b[local:j])}
	return i + 1, i + 1, true
}

const cdataOpen = "<![CDATA["

func (s *sheetScanner) cdata(b []byte, tok *sheetTok) (n, end int, ok bool) {
	if len(b) < len(cdataOpen) {
		return -1, 0, bytes.HasPrefix([]byte(cdataOpen), b)
	}
	if !bytes.HasPrefix(b, []byte(cdataOpen)) {
		return 0, 0, false // a comment or a directive
	}
	i := bytes.Index(b[len(cdataOpen):], []byte("]]>"))
	if i < 0 {
		return -1, 0, true
	}
	i += len(cdataOpen)
	text, ok := s.decode(b[len(cdataOpen):i], true)
	*tok = sheetTok{kind: tokText, text: text}
	return i + 3, i + 3, ok
}

// plain marks the bytes text can hold as they are.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '&' && c != ']'
	}
	t['\t'], t['\n'] = true, true
	return t
}()

// decode is text as encoding/xml gives it: entities replaced (not in CDATA),
// carriage returns made newlines; false for what encoding/xml refuses or what is
// left to it.
func (s *sheetScanner) decode(raw []byte, cdata bool) ([]byte, bool) {
	i := 0
	for i < len(raw) && plain[raw[i]] {
		i++
	}
	if i == len(raw) {
		return raw, true
	}
	out := append(s.text[:0], raw[:i]...)
	for i < len(raw) {
		c := raw[i]
		switch {
		case plain[c]:
			out = append(out, c)
			i++
		case c == ']':
			// "]]>" ends CDATA, and is an error in text.
			if !cdata && i+2 < len(raw) && raw[i+1] == ']' && raw[i+2] == '>' {
				return nil, false
			}
			out = append(out, c)
			i++
		case c == '\r':
			out = append(out, '\n')
			if i++; i < len(raw) && raw[i] == '\n' {
				i++
			}
		case c == '&' && !cdata:
			r, n := entity(raw[i:])
			if n == 0 {
				return nil, false
			}
			out = utf8.AppendRune(out, r)
			i += n
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 || !isXMLChar(r) {
				return nil, false
			}
			out = append(out, raw[i:i+n]...)
			i += n
		default: // a control character, or '&' in CDATA
			if c != '&' {
				return nil, false
			}
			out = append(out, c)
			i++
		}
	}
	s.text = out
	return out, true
}

// entity reads the entity at the start of b (b[0] is '&'): its character and length,
// or n == 0 for one encoding/xml refuses.
func entity(b []byte) (r rune, n int) {
	for _, e := range [...]struct {
		s string
		r rune
	}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}} {
		if bytes.HasPrefix(b, []byte(e.s)) {
			return e.r, len(e.s)
		}
	}
	if len(b) < 3 || b[1] != '#' {
		return 0, 0
	}
	i, base := 2, rune(10)
	if b[2] == 'x' {
		i, base = 3, 16
	}
	from := i
	var v rune
	for ; i < len(b); i++ {
		d := rune(-1)
		switch c := b[i]; {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = rune(c-'A') + 10
		}
		if d < 0 {
			break
		}
		if v = v*base + d; v > utf8.MaxRune {
			return 0, 0
		}
	}
	if i == from || i == len(b) || b[i] != ';' {
		return 0, 0
	}
	// string(rune(v)) as encoding/xml writes it: a surrogate becomes U+FFFD.
	if !utf8.ValidRune(v) {
		v = utf8.RuneError
	}
	if !isXMLChar(v) {
		return 0, 0
	}
	return v, i + 1
}

// isXMLChar is XML's Char production, which encoding/xml holds text to.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// knownName is the local name of an element as the reader compares it: the names it
// looks for as themselves, any other as otherName, without allocating.
func knownName(b []byte) string {
	switch string(b) {
	case "sheetData":
		return "sheetData"
	case "row":
		return "row"
	case "c":
		return "c"
	case "v":
		return "v"
	case "f":
		return "f"
	case "is":
		return "is"
	case "t":
		return "t"
	case "r":
		return "r"
	case "rPh":
		return "rPh"
	case "si":
		return "si"
	}
	return otherName
}

// otherName stands for the names the reader does not look for; it is no XML name.
const otherName = "\x00"
