package document

import (
	"strconv"
	"strings"
	"time"
)

// WIB is Western Indonesia Time, Jakarta's clock: UTC+7 with no daylight saving
// since 1964, so a fixed zone gives the right time without a tz database.
var WIB = time.FixedZone("WIB", 7*60*60)

var months = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni",
	"Juli", "Agustus", "September", "Oktober", "November", "Desember"}

// FormatDate writes t's date in Jakarta as Indonesian writes it: "3 Desember 2026".
func FormatDate(t time.Time) string {
	t = t.In(WIB)
	return strconv.Itoa(t.Day()) + " " + months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

var weekdays = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}

// FormatWeekday is t's day of the week in Jakarta: "Kamis".
func FormatWeekday(t time.Time) string { return weekdays[t.In(WIB).Weekday()] }

// FormatTime writes t's time of day in Jakarta the Indonesian way, hours and
// minutes with a dot: "15.04 WIB".
func FormatTime(t time.Time) string {
	return t.In(WIB).Format("15.04") + " WIB"
}

// FormatDateTime writes "3 Desember 2026 pukul 15.04 WIB".
func FormatDateTime(t time.Time) string {
	return FormatDate(t) + " pukul " + FormatTime(t)
}

// FormatNumber writes a whole number with dots between thousands: "1.000", "-12.500".
func FormatNumber(n int) string {
	s := strconv.Itoa(n)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// FailReasonText is the Indonesian wording of a failed delivery's reason (the
// codes of allocate.FailReasons); an unknown code is shown as it is.
func FailReasonText(reason string) string {
	if s, ok := failReasons[reason]; ok {
		return s
	}
	return reason
}

var failReasons = map[string]string{
	"not_home":           "Tidak di rumah",
	"moved":              "Sudah pindah",
	"refused":            "Menolak",
	"address_not_found":  "Alamat tidak ditemukan",
	"received_elsewhere": "Sudah menerima di tempat lain",
	"other":              "Alasan lain",
}

// ProofText is the Indonesian name of a delivery's proof kind ("code", "photo").
func ProofText(kind string) string {
	switch kind {
	case "code":
		return "Kode penerima"
	case "photo":
		return "Foto"
	}
	return kind
}
