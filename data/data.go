// Package data holds reference data that ships inside the Gotong binary.
package data

import "embed"

// Regions is the Kemendagri region hierarchy of Indonesia: the files
// regions/provinces.csv, regions/regencies.csv, regions/districts.csv and
// regions/villages.csv, each with the header "code,name", dotted codes
// (31, 31.71, 31.71.01, 31.71.01.1001) and rows sorted by code; and
// regions/retired_districts.csv ("code,name,now"), kecamatan codes of an earlier
// edition that the current one no longer has. Pass it to
// region.Load. The data comes from the npm package idn-area-data and is
// licensed under the Open Database License; see regions/README.md.
//
//go:embed regions/*.csv
var Regions embed.FS
