package web_test

// impactRows are the role table's rows for a donor's view of where its goods
// went (issue 13): members of a verified organisation read their own
// organisation's; staff hold no Donate and do not know the route.
func impactRows() []roleRow {
	apiDonor := statuses{401, 200, 200, 404, 404, 404}
	pageDonor := statuses{303, 200, 200, 404, 404, 404}
	own := func(f *roleFixture, r role) []string {
		switch r {
		case collabA:
			return []string{f.orgA.Name}
		case collabB:
			return []string{f.orgB.Name}
		}
		return nil
	}
	other := func(f *roleFixture, r role) []string {
		switch r {
		case collabA:
			return []string{f.orgB.Name, f.orgB.ID}
		case collabB:
			return []string{f.orgA.Name, f.orgA.ID}
		}
		return nil
	}
	return []roleRow{
		{method: "GET", path: "/api/v1/donations/impact", want: apiDonor, show: own, hide: other},
		{method: "GET", path: "/donations/impact", want: pageDonor, to: toLogin(""), show: own, hide: other},
	}
}
