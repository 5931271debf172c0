package registry

import "sort"

func sortStrings(s []string) { sort.Strings(s) }
