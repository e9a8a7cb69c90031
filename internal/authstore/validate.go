package authstore

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/hermes-agent/hermes/internal/secret"
)

// Tagged IDs are a prefix and an opaque token of letters and digits.
var (
	ruleIDPattern      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^fdrl_[A-Za-z0-9]+$`) })
	svacIDPattern      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^svac_[A-Za-z0-9]+$`) })
	workspaceIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^wrkspc_[A-Za-z0-9]+$`) })
	uuidPattern        = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	})
)

// ValidateWIFIDs checks the shape of the IDs a WIF configuration names, so
// that a typo is caught when the configuration is added rather than as an
// opaque 400 (or a burnt assertion) at exchange time. Rule and
// organization are required; service account and workspace are optional.
// Every problem is reported, each with what was given and what is expected.
func ValidateWIFIDs(rule, org, svac, workspace string) error {
	var errs []error
	check := func(name, v, want string, ok bool) {
		switch {
		case ok:
		case v == "":
			errs = append(errs, fmt.Errorf("%s is missing: expected %s", name, want))
		default:
			errs = append(errs, fmt.Errorf("%s %s is malformed: expected %s", name, showID(v), want))
		}
	}
	check("federation rule ID", rule, "fdrl_ followed by letters and digits, e.g. fdrl_01AbCdEf", ruleIDPattern().MatchString(rule))
	check("organization ID", org, "a UUID, e.g. 12345678-90ab-cdef-1234-567890abcdef", uuidPattern().MatchString(org))
	if svac != "" {
		check("service account ID", svac, "svac_ followed by letters and digits, e.g. svac_01AbCdEf", svacIDPattern().MatchString(svac))
	}
	if workspace != "" {
		check("workspace ID", workspace, `wrkspc_ followed by letters and digits, or "default"`, workspace == "default" || workspaceIDPattern().MatchString(workspace))
	}
	return errors.Join(errs...)
}

// showID quotes a value the user gave for an ID. A value that looks like a
// secret pasted into the wrong flag is masked, and a long one is cut.
func showID(v string) string {
	if strings.HasPrefix(v, "sk-") || strings.HasPrefix(v, "eyJ") {
		return secret.Mask(v)
	}
	if len(v) > 60 {
		v = v[:40] + "…"
	}
	return fmt.Sprintf("%q", v)
}
