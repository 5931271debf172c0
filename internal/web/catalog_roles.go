package web

// catalogRoles is the catalogue's section for the citizen's own pages (issue 14):
// the account page names the role in words.
var catalogRoles = catalogPart(map[string]string{
	"role citizen": "Warga",
})

// The role is a code, not English text: English pages need its words too (see
// english in i18n.go), added here so that the citizen's texts stay in one file.
func init() { english["role citizen"] = "Citizen" }
