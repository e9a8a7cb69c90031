package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"slices"

	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/secret"
)

// ApprovalsFile is where project servers' approvals are kept, in
// HERMES_HOME (0600): per project file path, the hash of the content
// approved and the server names. Any change to the file asks again: a
// pull that changes a server's command must not run it unseen.
const ApprovalsFile = "mcp-approvals.json"

type approvals struct {
	Projects map[string]projectApproval `json:"projects"`
}

type projectApproval struct {
	SHA256   string   `json:"sha256"`
	Approved []string `json:"approved"`
}

func fileHash(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func readApprovals(home string) (approvals, error) {
	a := approvals{Projects: map[string]projectApproval{}}
	data, err := fsutil.ReadPrivateFileUnder(home, filepath.Join(home, ApprovalsFile), maxConfigBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return a, nil
	}
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return a, fmt.Errorf("%s: %v", filepath.Join(home, ApprovalsFile), err)
	}
	if a.Projects == nil {
		a.Projects = map[string]projectApproval{}
	}
	return a, nil
}

// IsApproved reports whether the server name of the project file at path,
// with content data, was approved.
func IsApproved(home, path string, data []byte, name string) bool {
	a, err := readApprovals(home)
	if err != nil {
		return false
	}
	p, ok := a.Projects[path]
	return ok && p.SHA256 == fileHash(data) && slices.Contains(p.Approved, name)
}

// Approve remembers that the user approved names of the project file at
// path with content data. Approvals of an older content are dropped.
func Approve(ctx context.Context, home, path string, data []byte, names ...string) error {
	if err := fsutil.EnsureDir(home); err != nil {
		return err
	}
	lock, err := fsutil.LockFile(ctx, filepath.Join(home, ApprovalsFile+".lock"))
	if err != nil {
		return err
	}
	defer lock.Unlock()
	a, err := readApprovals(home)
	if err != nil {
		return err
	}
	h := fileHash(data)
	p := a.Projects[path]
	if p.SHA256 != h {
		p = projectApproval{SHA256: h}
	}
	for _, n := range names {
		if !slices.Contains(p.Approved, n) {
			p.Approved = append(p.Approved, n)
		}
	}
	slices.Sort(p.Approved)
	a.Projects[path] = p
	out, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WritePrivateFile(home, filepath.Join(home, ApprovalsFile), append(out, '\n'))
}

// Asker asks the user whether to start a project server; nil means
// nobody can be asked (no terminal).
type Asker func(s Server) (bool, error)

// Usable is the loaded servers that may start: the user's, the flags'
// and the editor's, and the project's that are approved, or that the
// user approves now through ask (remembered). Without ask, each
// unapproved project server is skipped with one line to report naming
// the command that approves it. Skipped configuration (a variable not
// set) is reported too.
func Usable(ctx context.Context, l *Loaded, home string, ask Asker, report func(string)) []Server {
	out, _ := usable(ctx, l, home, ask, report)
	return out
}

// usable is Usable that also returns the project servers it skipped as
// unapproved, for /status.
func usable(ctx context.Context, l *Loaded, home string, ask Asker, report func(string)) (out []Server, skipped []Status) {
	if report == nil {
		report = func(string) {}
	}
	for _, err := range l.Skipped {
		report("hermes: " + err.Error() + "; skipped")
	}
	skip := func(s Server, why string) {
		skipped = append(skipped, Status{Name: s.Name, Scope: s.Scope, Transport: s.Transport(), State: StateSkipped, Err: errors.New(why)})
	}
	for _, s := range l.Servers {
		if s.Scope != ScopeProject || IsApproved(home, l.ProjectPath, l.ProjectData, s.Name) {
			out = append(out, s)
			continue
		}
		if ask == nil {
			report(fmt.Sprintf("hermes: MCP server %s in %s is not approved, skipped: run `hermes mcp approve %s` to start it", s.Name, l.ProjectPath, s.Name))
			skip(s, fmt.Sprintf("not approved (run `hermes mcp approve %s`)", s.Name))
			continue
		}
		ok, err := ask(s)
		if err != nil || !ok {
			report(fmt.Sprintf("hermes: MCP server %s in %s not approved, skipped", s.Name, l.ProjectPath))
			skip(s, "not approved (answered no)")
			continue
		}
		if err := Approve(ctx, home, l.ProjectPath, l.ProjectData, s.Name); err != nil {
			report(fmt.Sprintf("hermes: could not remember the approval of MCP server %s: %v", s.Name, err))
		}
		out = append(out, s)
	}
	return out, skipped
}

// Describe is a server in one line for an approval question or a list:
// its command line or URL. Arguments often carry a token (`--token
// sk-…`, `--api-key=…`): key- and JWT-shaped values and every value in
// play are masked, and a URL shows no password and no query values.
func Describe(s Server) string {
	if s.Transport() == TransportStdio {
		line := s.Command
		for _, a := range s.Args {
			line += " " + a
		}
		return secret.RedactShapes(line)
	}
	return s.Transport() + " " + secret.RedactShapes(redactURL(s.URL))
}

// redactURL masks a URL's password and its query values (`?api_key=…`);
// text that does not parse is returned as it is, for RedactShapes.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "…")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"…"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
