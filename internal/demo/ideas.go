package demo

import (
	"context"
	"fmt"
	"io"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/idea"
)

// demoIdea is one idea of the demo forum and what became of it.
type demoIdea struct {
	title, body, category, region, needs string
	supporters, offers                   int
	comments                             []string
	to                                   []string // the statuses it moves through
	reason                               string   // the last move's reason
	hidden                               bool     // reported and hidden
}

var demoIdeas = []demoIdea{
	{title: "Dapur umum untuk warga isolasi mandiri", category: "food", region: "31.71.01.1001", supporters: 5, offers: 2,
		body:  "Warga RW 05 yang isolasi mandiri kesulitan memasak. Kami usul dapur umum di balai RW yang mengantar makan siang dan malam.",
		needs: "Relawan masak, beras 50 kg per minggu, kotak makan", comments: []string{"Saya bisa membantu memasak hari Sabtu.", "Balai RW bisa dipakai mulai minggu depan."},
		to: []string{idea.Reviewed, idea.Adopted}, reason: "Diadopsi menjadi program pangan kelurahan."},
	{title: "Taman baca anak di pos RW", category: "education", region: "31.71.01", supporters: 3, offers: 1,
		body:  "Anak-anak belajar dari rumah tanpa buku. Pos RW bisa menjadi taman baca dengan buku sumbangan.",
		needs: "Rak buku, 200 buku anak", comments: []string{"Kami punya buku bekas layak pakai."}},
	{title: "Bank sampah kelurahan", category: "environment", region: "31.74.01", supporters: 4,
		body:  "Sampah plastik menumpuk. Bank sampah memberi warga tabungan dari sampah yang dipilah.",
		needs: "Timbangan, karung, tempat penyimpanan", to: []string{idea.Reviewed}, reason: "Sedang dikaji bersama dinas lingkungan hidup."},
	{title: "Pelatihan usaha daring untuk UMKM warga", category: "economy", region: "31.73", supporters: 2, offers: 1,
		body: "Pedagang kecil kehilangan pembeli. Pelatihan berjualan daring membantu mereka bertahan.",
		to:   []string{idea.Reviewed, idea.Adopted, idea.Done}, reason: "Pelatihan selesai untuk 120 peserta."},
	{title: "Cek kesehatan gratis keliling", category: "health", region: "31.72.01", supporters: 1,
		body: "Mobil puskesmas keliling ke RW yang jauh dari puskesmas setiap Sabtu.",
		to:   []string{idea.Declined}, reason: "Sudah berjalan lewat program puskesmas keliling dinas kesehatan."},
	{title: "Jual pulsa murah di sini", category: "other", region: "31.75", supporters: 0, hidden: true,
		body: "Hubungi kami untuk pulsa murah dan paket data."},
}

// seedIdeas fills the co-creation forum (issue 14): citizens who propose,
// support and comment, ideas in every status, offers from the demo's verified
// collaborators (an adopted idea becomes a draft program naming them), and a
// reported idea the admin hid.
func seedIdeas(ctx context.Context, d Services, committers []allocate.Who, out io.Writer) error {
	if d.Ideas == nil {
		return nil
	}
	var citizens []idea.Who
	for k := range 5 {
		email, pw := fmt.Sprintf("warga-ide%d@demo.gotong.local", k+1), d.NewPassword()
		u, err := d.Accounts.CreateUser(ctx, account.NewUser{Email: email, Name: citizenNames[k], Role: string(account.Citizen),
			Region: "31.71.01.1001", Password: pw})
		if err != nil {
			return fmt.Errorf("demo citizen: %w", err)
		}
		citizens = append(citizens, u.Principal())
		if k == 0 {
			fmt.Fprintf(out, "  citizen       %-34s %-18s (%s)\n", email, pw, u.Name)
		}
	}
	admin := idea.Who{UserID: d.Admin.ID, Role: account.Admin}
	for n, x := range demoIdeas {
		i, err := d.Ideas.Propose(ctx, citizens[n%len(citizens)], idea.NewIdea{Title: x.title, Body: x.body, Category: x.category,
			Region: x.region, Needs: x.needs})
		if err != nil {
			return fmt.Errorf("demo idea %q: %w", x.title, err)
		}
		for k := 0; k < x.supporters && k < len(citizens); k++ {
			if _, err := d.Ideas.Support(ctx, citizens[k], i.ID); err != nil {
				return err
			}
		}
		for k, c := range x.comments {
			if _, err := d.Ideas.Comment(ctx, citizens[(n+k+1)%len(citizens)], i.ID, c); err != nil {
				return err
			}
		}
		for k := 0; k < x.offers && k < len(committers); k++ {
			who := idea.Who{UserID: committers[k].UserID, Role: account.Collaborator, OrgID: committers[k].OrgID, OrgVerified: true}
			if _, err := d.Ideas.Support(ctx, who, i.ID); err != nil {
				return err
			}
			if _, err := d.Ideas.MakeOffer(ctx, who, i.ID, offerTexts[k%len(offerTexts)]); err != nil {
				return err
			}
		}
		for k, to := range x.to {
			reason := ""
			if k == len(x.to)-1 {
				reason = x.reason
			}
			if _, err := d.Ideas.SetStatus(ctx, admin, i.ID, to, reason); err != nil {
				return fmt.Errorf("demo idea %q to %s: %w", x.title, to, err)
			}
		}
		if x.hidden {
			if err := d.Ideas.ReportIdea(ctx, citizens[1], i.ID, "Iklan, bukan ide untuk kota."); err != nil {
				return err
			}
			if _, err := d.Ideas.Hide(ctx, admin, i.ID, "iklan"); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "Demo: %d ideas in the forum, in every status.\n", len(demoIdeas))
	return nil
}

var citizenNames = []string{"Siti Rahmawati", "Budi Santoso", "Dewi Lestari", "Agus Wijaya", "Rina Marlina"}

var offerTexts = []string{"Beras 200 kg dan relawan antar", "Kotak makan 1.000 buah", "Pelatih dan ruang pelatihan"}
