package message

import (
	"fmt"
	"strings"
	"text/template"
)

// Kind is a kind of message: the arguments it needs and its texts per language. The
// SMS and WhatsApp body is Text; e-mail has Subject and Text. Texts of messages that
// go by SMS stay plain ASCII (GSM-7) and under 160 characters with names of usual
// length (kinds_test.go measures them).
type Kind struct {
	Args    []string
	Subject map[string]*template.Template // by language
	Text    map[string]*template.Template
}

// Kinds are the messages Gotong sends, by kind. Their arguments:
//
//	recipient_code       program, org (and code, derived from the ref: the allocation id)
//	allocation_expiring  program, count, deadline
//	delivery_failed      program, reason (a code of allocate.FailReasons)
//	commitment_complete  program, units
//	donation_accepted    warehouse, arrive (the day the goods are expected, YYYY-MM-DD, or "")
//	donation_declined    warehouse, reason
//	donation_received    warehouse, units, good (a receipt: units that arrived, units stocked)
//	pledge_linked        org, what, program (a citizen's pledge joined an aggregator's commitment)
var Kinds = map[string]Kind{
	"recipient_code": kind([]string{"program", "org", "code"},
		"Kode penerimaan bantuan {{.program}}",
		"Bantuan {{.program}} dari {{.org}} akan diantar ke rumah Anda. Tunjukkan kode {{.code}} ke kurir saat menerima, jangan sebelum bantuan diterima.",
		"Your {{.program}} aid code",
		"{{.program}} aid from {{.org}} will be delivered to your home. Show code {{.code}} to the courier on receipt. Do not give this code before you have the aid."),
	"allocation_expiring": kind([]string{"program", "count", "deadline"},
		"Alokasi {{.program}} segera berakhir",
		"{{.count}} alokasi {{.program}} belum dikirim dan berakhir pada {{.deadline}}. Kirim sebelum itu; setelahnya kuotanya kembali ke program.",
		"{{.program}} allocations about to expire",
		"{{.count}} allocations of {{.program}} are not dispatched yet and expire at {{.deadline}}. Dispatch them before then; after that their quantity returns to the program."),
	"delivery_failed": kind([]string{"program", "reason"},
		"Pengantaran {{.program}} gagal",
		"Pengantaran bantuan {{.program}} gagal: {{reason .reason}}. Bantuan akan dijadwalkan ulang.",
		"{{.program}} delivery failed",
		"The delivery of {{.program}} aid failed: {{reason .reason}}. It will be rescheduled."),
	"commitment_complete": kind([]string{"program", "units"},
		"Komitmen {{.program}} selesai",
		"Terima kasih: komitmen Anda untuk {{.program}} selesai, {{.units}} unit telah diterima warga.",
		"{{.program}} commitment complete",
		"Thank you: your commitment to {{.program}} is complete, {{.units}} units have reached their recipients."),
	// Donations to the task force (issue 13): the donor organisation is told by
	// e-mail at each decision and each receipt.
	"donation_accepted": kind([]string{"warehouse", "arrive"},
		"Penawaran donasi diterima",
		"Penawaran donasi Anda diterima oleh {{.warehouse}}. Silakan antar barang {{if .arrive}}pada {{.arrive}}{{else}}secepatnya{{end}}; petugas akan mencatat yang diterima dan mengirim tanda terima.",
		"Donation offer accepted",
		"Your donation offer was accepted by {{.warehouse}}. Please deliver the goods {{if .arrive}}on {{.arrive}}{{else}}as soon as you can{{end}}; staff will record what arrives and send a receipt."),
	"donation_declined": kind([]string{"warehouse", "reason"},
		"Penawaran donasi tidak diterima",
		"Penawaran donasi Anda ke {{.warehouse}} tidak dapat diterima: {{.reason}}. Terima kasih atas niat baik Anda.",
		"Donation offer declined",
		"Your donation offer to {{.warehouse}} could not be accepted: {{.reason}}. Thank you for your kindness."),
	"donation_received": kind([]string{"warehouse", "units", "good"},
		"Donasi Anda telah diterima",
		"{{.warehouse}} telah menerima {{.units}} unit donasi Anda ({{.good}} dalam kondisi baik). Tanda terima dapat diunduh di Gotong. Terima kasih.",
		"Your donation was received",
		"{{.warehouse}} received {{.units}} units of your donation ({{.good}} in good condition). The receipt can be downloaded in Gotong. Thank you."),
	// Citizens who give through an aggregator (issue 14): told by e-mail when
	// their pledge joins a commitment, whose progress they then follow.
	"pledge_linked": kind([]string{"org", "what", "program"},
		"Sumbangan Anda ikut disalurkan",
		"{{.org}} menyalurkan sumbangan Anda ({{.what}}) melalui komitmennya untuk {{.program}}. Ikuti perkembangannya di Gotong, menu Sumbangan saya. Terima kasih.",
		"Your pledge is on its way",
		"{{.org}} is giving your pledge ({{.what}}) through its commitment to {{.program}}. Follow its progress in Gotong, under My pledges. Thank you."),
}

// reasons are the failure reasons of allocate.FailReasons, as the messages say them.
var reasons = map[string][2]string{
	"not_home":           {"penerima tidak di rumah", "the recipient was not at home"},
	"moved":              {"penerima sudah pindah", "the recipient has moved"},
	"refused":            {"bantuan ditolak", "the aid was refused"},
	"address_not_found":  {"alamat tidak ditemukan", "the address was not found"},
	"received_elsewhere": {"bantuan sudah diterima dari pihak lain", "the aid was received elsewhere"},
	"other":              {"alasan lain", "another reason"},
}

func kind(args []string, subjectID, textID, subjectEN, textEN string) Kind {
	k := Kind{Args: args, Subject: map[string]*template.Template{}, Text: map[string]*template.Template{}}
	for i, lang := range []string{"id", "en"} {
		funcs := template.FuncMap{"reason": func(code string) string {
			if r, ok := reasons[code]; ok {
				return r[i]
			}
			return code
		}}
		parse := func(text string) *template.Template {
			return template.Must(template.New("").Funcs(funcs).Option("missingkey=error").Parse(text))
		}
		k.Subject[lang] = parse([]string{subjectID, subjectEN}[i])
		k.Text[lang] = parse([]string{textID, textEN}[i])
	}
	return k
}

// render returns the subject and text of a message of kind in lang with args.
func render(kind, lang string, args map[string]string) (subject, text string, err error) {
	k, ok := Kinds[kind]
	if !ok {
		return "", "", fmt.Errorf("unknown kind %q", kind)
	}
	var s, t strings.Builder
	if err := k.Subject[lang].Execute(&s, args); err != nil {
		return "", "", err
	}
	if err := k.Text[lang].Execute(&t, args); err != nil {
		return "", "", err
	}
	return s.String(), t.String(), nil
}
