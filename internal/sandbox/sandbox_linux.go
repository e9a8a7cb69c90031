package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsyscall "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// spec is what the parent tells the helper (argv[2], JSON): paths only,
// never a secret.
type spec struct {
	Mode      Mode     `json:"mode"`
	Network   bool     `json:"network"`
	WorkDir   string   `json:"work_dir"`
	TempDir   string   `json:"temp_dir"`
	Empty     string   `json:"empty"` // an empty read-only file, mounted over protected files
	Protected []string `json:"protected"`
	Command   string   `json:"command"`
}

// setupFailure is what the helper reports on fd 3 when it cannot build
// the sandbox; the command has not run.
type setupFailure struct {
	Feature string `json:"feature,omitempty"` // missing kernel feature, if that is the cause
	Message string `json:"message"`
}

// setupExit is the helper's exit code when the sandbox could not be built.
const setupExit = 125

// helperCaps are what the helper needs inside its user namespace to
// build the sandbox (mounts, the loopback interface, dropping the
// bounding set); raised as ambient capabilities so they survive the
// re-exec of a non-root hermes, and all dropped again before bash.
var helperCaps = []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SETPCAP}

func (s *Sandbox) abi() (int, error) {
	if s != nil && s.LandlockABI != nil {
		return s.LandlockABI()
	}
	return llsyscall.LandlockGetABIVersion()
}

const landlockFeature = "Landlock (Linux 5.13 or later with landlock in the kernel's lsm= list)"

func (s *Sandbox) command(p Policy, req Request) (*Run, error) {
	if v, err := s.abi(); err != nil || v < 1 {
		detail := "Landlock ABI version 0"
		if err != nil {
			detail = "landlock_create_ruleset: " + err.Error()
		}
		return nil, &UnavailableError{Mode: p.Mode, Feature: landlockFeature, Detail: detail}
	}
	root, err := os.MkdirTemp("", "hermes-bash-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: private temporary dir: %w", err)
	}
	sp := spec{Mode: p.Mode, Network: p.Network, WorkDir: req.WorkDir, TempDir: filepath.Join(root, "tmp"), Empty: filepath.Join(root, "empty"), Protected: absPaths(req.Protected), Command: req.Command}
	if err := os.Mkdir(sp.TempDir, 0o700); err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("sandbox: private temporary dir: %w", err)
	}
	if err := os.WriteFile(sp.Empty, nil, 0o400); err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("sandbox: private temporary dir: %w", err)
	}
	js, err := json.Marshal(sp)
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	// /proc/self/exe is this very binary even when the file was replaced
	// or removed since (an upgrade while hermes runs).
	cmd := exec.Command("/proc/self/exe", HelperArg, string(js))
	cmd.Args[0] = "hermes"
	cmd.Dir = req.WorkDir
	cmd.Env = withEnv(req.Env, "TMPDIR", sp.TempDir)
	cmd.ExtraFiles = []*os.File{pw}
	flags := uintptr(syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID)
	if !p.Network {
		flags |= syscall.CLONE_NEWNET
	}
	uid, gid := os.Getuid(), os.Getgid()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL, // hermes gone: the namespace's init dies, and with it the rest
		Cloneflags: flags,
		// The same ids inside as outside: files keep their owners.
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}},
		GidMappingsEnableSetgroups: false,
		AmbientCaps:                helperCaps,
	}
	return &Run{Cmd: cmd, setup: pr, setupW: pw, tempDir: root, policy: p}, nil
}

// absPaths cleans paths; a relative one is taken from the current dir.
func absPaths(in []string) []string {
	var out []string
	for _, p := range in {
		if p == "" {
			continue
		}
		if a, err := filepath.Abs(p); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Start starts the run. A kernel that refuses the namespaces is an
// *UnavailableError.
func (r *Run) Start() error {
	err := r.Cmd.Start()
	if r.setupW != nil {
		r.setupW.Close()
		r.setupW = nil
	}
	if err == nil || r.setup == nil {
		return err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) && (errno == syscall.EPERM || errno == syscall.EINVAL || errno == syscall.ENOSPC || errno == syscall.EACCES || errno == syscall.EUSERS) {
		return &UnavailableError{Mode: r.policy.Mode, Feature: "unprivileged user namespaces (user.max_user_namespaces > 0; on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0)", Detail: err.Error()}
	}
	return err
}

// SetupError is, after Wait, the helper's reason for not running the
// command, or nil when the command ran.
func (r *Run) SetupError() error {
	if r.setup == nil {
		return nil
	}
	if r.setupW != nil { // Cmd was started without Start
		r.setupW.Close()
		r.setupW = nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.setup, 64<<10))
	if len(b) == 0 {
		return nil
	}
	var f setupFailure
	if json.Unmarshal(b, &f) != nil {
		return fmt.Errorf("sandbox: the helper failed: %q", b)
	}
	if f.Feature != "" {
		return &UnavailableError{Mode: r.policy.Mode, Feature: f.Feature, Detail: f.Message}
	}
	return errors.New("bash is refused: " + f.Message)
}

// Helper is hermes started as `hermes __sandbox SPEC` by Command, as the
// init of fresh user, mount, PID (and network) namespaces: it builds the
// sandbox around itself and execs bash. It returns only on failure.
func Helper(args []string) int {
	// Every step below is per thread (capabilities, no_new_privs, the
	// Landlock domain) up to the exec: one thread, never unlocked.
	var sp spec
	if len(args) != 1 || json.Unmarshal([]byte(args[0]), &sp) != nil || os.Getpid() != 1 {
		// Not started by Command: never run a command unsandboxed.
		fmt.Fprintln(os.Stderr, "hermes: __sandbox is hermes's own helper (started by hermes in namespaces of its own), not a command")
		return 2
	}
	runtime.LockOSThread()
	setup := os.NewFile(3, "sandbox-setup")
	syscall.CloseOnExec(3)
	fail := func(feature string, err error) int {
		f := setupFailure{Feature: feature, Message: err.Error()}
		if json.NewEncoder(setup).Encode(f) != nil {
			fmt.Fprintln(os.Stderr, "hermes: sandbox:", f.Message)
		}
		return setupExit
	}
	if err := build(sp); err != nil {
		var ke *kernelError
		if errors.As(err, &ke) {
			return fail(ke.feature, ke.err)
		}
		return fail("", err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		return fail("", fmt.Errorf("bash: %w", err))
	}
	err = syscall.Exec(bash, []string{"bash", "-c", sp.Command}, os.Environ())
	return fail("", fmt.Errorf("exec bash: %w", err))
}

type kernelError struct {
	feature string
	err     error
}

func (e *kernelError) Error() string { return e.feature + ": " + e.err.Error() }

const mountFeature = "mount namespaces in an unprivileged user namespace"

// build does everything but the exec.
func build(sp spec) error {
	// Nothing mounted here reaches the rest of the system.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return &kernelError{mountFeature, fmt.Errorf("make / private: %w", err)}
	}
	if !sp.Network {
		// An empty network namespace: only loopback, and only its own.
		// Up, so that servers a command starts for itself still work.
		_ = loopbackUp()
	}
	// A /proc of this PID namespace: the command sees only its own
	// processes. Not possible where /proc is partly masked (containers);
	// then the host's /proc stays, and Landlock still keeps the command
	// from other processes' /proc/<pid>/ files (environ, mem, root).
	_ = unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	for _, p := range sp.Protected {
		if err := hide(p, sp.Empty); err != nil {
			return &kernelError{mountFeature, fmt.Errorf("hide %s: %w", p, err)}
		}
	}
	if sp.Mode == WorkspaceWrite {
		git := filepath.Join(sp.WorkDir, ".git")
		if _, err := os.Stat(git); err == nil {
			if err := readOnlyBind(git); err != nil {
				return &kernelError{mountFeature, fmt.Errorf("make %s read-only: %w", git, err)}
			}
		}
	}
	// POSIX shared memory of its own, not the host's.
	shm := unix.Mount("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777,size=64m") == nil
	// Into the work dir as the mounts above left it (a protected path
	// hidden over it shows as empty and unreadable).
	if err := os.Chdir(sp.WorkDir); err != nil {
		return fmt.Errorf("the work dir %s is not usable inside the sandbox (is it inside a protected path?): %w", sp.WorkDir, err)
	}
	for _, p := range sp.Protected {
		if within(sp.WorkDir, p) {
			return fmt.Errorf("the work dir %s is inside the protected path %s", sp.WorkDir, p)
		}
	}
	if err := restrict(sp, shm); err != nil {
		return err
	}
	return dropCapabilities()
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !filepath.IsAbs(rel) && (rel == "." || len(rel) < 3 || rel[:3] != "../")
}

// hide mounts an empty, read-only, mode-000 tmpfs over a protected
// directory, or an empty read-only file over a protected file. A path
// that does not exist has nothing to hide (and the command cannot create
// it: it is outside every writable tree, or under a hidden one).
func hide(p, empty string) error {
	st, err := os.Stat(p)
	if err != nil {
		return nil
	}
	if st.IsDir() {
		return unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=000,size=4k")
	}
	if err := unix.Mount(empty, p, "", unix.MS_BIND, ""); err != nil {
		return err
	}
	return remountReadOnly(p)
}

// readOnlyBind makes the tree at p read-only.
func readOnlyBind(p string) error {
	if err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	return remountReadOnly(p)
}

// remountReadOnly remounts the bind mount at p read-only, keeping the
// flags the kernel locks in a user namespace (nosuid, nodev, …): a
// remount that would clear one is refused.
func remountReadOnly(p string) error {
	var fs unix.Statfs_t
	if err := unix.Statfs(p, &fs); err != nil {
		return err
	}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY)
	for st, ms := range map[int64]uintptr{unix.ST_NOSUID: unix.MS_NOSUID, unix.ST_NODEV: unix.MS_NODEV, unix.ST_NOEXEC: unix.MS_NOEXEC, unix.ST_NOATIME: unix.MS_NOATIME, unix.ST_NODIRATIME: unix.MS_NODIRATIME, unix.ST_RELATIME: unix.MS_RELATIME} {
		if int64(fs.Flags)&st != 0 {
			flags |= ms
		}
	}
	return unix.Mount("", p, "", flags, "")
}

// devices bash and common tools write to.
var devices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}

// restrict applies the Landlock domain to this thread: read and execute
// everywhere (the protected paths are hidden by mounts, which a Landlock
// domain can no longer change), write only where the mode says, no TCP
// without network, no signals to or ptrace of anything outside the
// sandbox. Best effort for the rights newer than the kernel, but the
// file-system rules themselves are required.
func restrict(sp spec, shm bool) error {
	abi, err := llsyscall.LandlockGetABIVersion()
	if err != nil || abi < 1 {
		if err == nil {
			//lint:ignore ST1005 "Landlock" is a proper noun
			err = errors.New("Landlock ABI version 0")
		}
		return &kernelError{landlockFeature, err}
	}
	cfg := landlock.V11.BestEffort()
	root := landlock.RODirs("/")
	if sp.Network {
		cfg.HandledAccessNet = 0
		cfg.Scoped = landlock.ScopedSet(unix.LANDLOCK_SCOPE_SIGNAL)
		root = root.WithResolveUnix()
	}
	rules := []landlock.Rule{
		root,
		landlock.RWDirs(sp.TempDir).WithRefer().WithResolveUnix(),
		landlock.RWFiles(devices...).WithIoctlDev().IgnoreIfMissing(),
	}
	if sp.Mode == WorkspaceWrite {
		rules = append(rules, landlock.RWDirs(sp.WorkDir).WithRefer().WithResolveUnix())
	}
	if shm {
		rules = append(rules, landlock.RWDirs("/dev/shm"))
	}
	fd, flags, err := cfg.NewRulesetFD(rules...)
	if err != nil {
		return &kernelError{landlockFeature, err}
	}
	if fd < 0 {
		return &kernelError{landlockFeature, errors.New("no Landlock ruleset could be built")}
	}
	defer unix.Close(fd)
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return &kernelError{"no_new_privs", err}
	}
	if err := llsyscall.LandlockRestrictSelf(fd, flags); err != nil {
		return &kernelError{landlockFeature, err}
	}
	return nil
}

// loopbackUp brings lo up in the new network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// dropCapabilities leaves bash none: the ambient set is cleared and the
// bounding set emptied, so not even a root hermes's bash has any inside
// the namespace.
func dropCapabilities() error {
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	for c := 0; c <= 63; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
			if errors.Is(err, unix.EINVAL) {
				break // past the kernel's last capability
			}
			return fmt.Errorf("drop capability %d: %w", c, err)
		}
	}
	return nil
}
