// Command gotong-gen writes a realistic, fictitious Jakarta registry file
// for demos and import benchmarks:
//
//	gotong-gen -kind household -rows 1000000 -seed 1 -dup 0.02 -fuzzy 0.02 \
//	    -damaged 0.01 -format csv -out households.csv -truth truth.json
//
// The same flags always give the same bytes. -truth writes, as JSON, every
// planted duplicate and damaged row with its line number.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/region"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gotong-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", "household", "household, person, rw or institution")
	rows := fs.Int("rows", 1000, "data rows to write (household and person)")
	seed := fs.Int64("seed", 1, "random seed")
	province := fs.String("province", "31", "province code")
	dup := fs.Float64("dup", 0, "fraction of rows that are exact duplicates (same NIK)")
	fuzzy := fs.Float64("fuzzy", 0, "fraction of rows that are fuzzy duplicates (variant name, other or no NIK)")
	damaged := fs.Float64("damaged", 0, "fraction of rows that are damaged")
	format := fs.String("format", "csv", "csv or xlsx")
	out := fs.String("out", "", "output file (default: standard output)")
	truthFile := fs.String("truth", "", "write the planted rows as JSON to this file")
	dateLayout := fs.String("date-layout", "02/01/2006", "Go layout of dates in CSV")
	kel := fs.String("kelurahan", "code", "how to write the kelurahan: code, digits or name")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gotong-gen -kind household|person|rw|institution [-rows N] [-seed S] [-dup F] [-fuzzy F] [-damaged F] [-format csv|xlsx] [-out FILE] [-truth FILE.json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "gotong-gen:", msg)
		return 2
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument " + fs.Arg(0))
	}
	switch *kind {
	case "household", "person", "rw", "institution":
	default:
		return usage("-kind must be household, person, rw or institution")
	}
	if *format != "csv" && *format != "xlsx" {
		return usage("-format must be csv or xlsx")
	}
	if *rows < 0 {
		return usage("-rows must not be negative")
	}
	forms := map[string]gen.KelurahanForm{"code": gen.KelurahanCode, "digits": gen.KelurahanDigits, "name": gen.KelurahanName}
	form, ok := forms[*kel]
	if !ok {
		return usage("-kelurahan must be code, digits or name")
	}
	damage := gen.Damage{ExactDup: *dup, FuzzyDup: *fuzzy, Damaged: *damaged}
	if (*kind == "rw" || *kind == "institution") && damage != (gen.Damage{}) {
		return usage("-dup, -fuzzy and -damaged apply to household and person files only")
	}

	regions, err := region.Load(data.Regions)
	if err != nil {
		fmt.Fprintln(stderr, "gotong-gen:", err)
		return 1
	}
	if regions.Count(region.Village, *province) == 0 {
		return usage("province " + *province + " has no villages")
	}
	g := gen.New(*seed, regions, *province)
	g.DateLayout = *dateLayout
	g.KelurahanForm = form

	var w io.Writer = stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintln(stderr, "gotong-gen:", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)

	start := time.Now()
	var truth gen.Truth
	n := 0
	xlsx := *format == "xlsx"
	switch *kind {
	case "household":
		if xlsx {
			truth, err = g.WriteHouseholdsXLSX(bw, *rows, damage)
		} else {
			truth, err = g.WriteHouseholdsCSV(bw, *rows, damage)
		}
		n = truth.Rows
	case "person":
		if xlsx {
			truth, err = g.WritePersonsXLSX(bw, *rows, damage)
		} else {
			truth, err = g.WritePersonsCSV(bw, *rows, damage)
		}
		n = truth.Rows
	case "rw":
		if xlsx {
			n, err = g.WriteRWsXLSX(bw)
		} else {
			n, err = g.WriteRWsCSV(bw)
		}
		truth = gen.Truth{Kind: "rw", Seed: *seed, Rows: n, Planted: []gen.Plant{}}
	case "institution":
		if xlsx {
			n, err = g.WriteInstitutionsXLSX(bw)
		} else {
			n, err = g.WriteInstitutionsCSV(bw)
		}
		truth = gen.Truth{Kind: "institution", Seed: *seed, Rows: n, Planted: []gen.Plant{}}
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(stderr, "gotong-gen:", err)
		return 1
	}
	if *truthFile != "" {
		b, err := json.MarshalIndent(truth, "", " ")
		if err == nil {
			err = os.WriteFile(*truthFile, append(b, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintln(stderr, "gotong-gen:", err)
			return 1
		}
	}
	el := time.Since(start)
	fmt.Fprintf(stderr, "gotong-gen: %d %s rows (%d exact dups, %d fuzzy dups, %d damaged) in %s (%.0f rows/s)\n",
		n, *kind, truth.ExactDups, truth.FuzzyDups, truth.Damaged, el.Round(time.Millisecond), float64(n)/el.Seconds())
	return 0
}
