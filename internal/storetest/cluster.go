package storetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a PostgreSQL server of a test's own, on loopback, for what the shared
// test server cannot show: a primary that dies, a standby that is promoted. It is
// stopped and deleted when the test ends. As root the server runs as the postgres
// user, as Debian's packages expect.
type Cluster struct {
	Port int
	dir  string // holds data/ and log
	bin  string
	t    testing.TB
}

// PostgresBin returns the newest /usr/lib/postgresql/<version>/bin holding initdb,
// pg_ctl and pg_basebackup. Under GOTONG_TEST_STRICT a missing one fails the test;
// otherwise the test is skipped.
func PostgresBin(tb testing.TB) string {
	tb.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestV := "", -1
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if err != nil || v <= bestV {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "pg_basebackup")); err == nil {
			best, bestV = d, v
		}
	}
	if best == "" {
		if os.Getenv("GOTONG_TEST_STRICT") != "" {
			tb.Fatal("GOTONG_TEST_STRICT is set but no PostgreSQL server binaries are installed (/usr/lib/postgresql/*/bin)")
		}
		tb.Skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
	}
	return best
}

// StartPrimary initialises and starts a server ready to stream to standbys; with
// synchronous, a commit is acknowledged only once a standby holds it.
func StartPrimary(tb testing.TB, synchronous bool) *Cluster {
	tb.Helper()
	c := newCluster(tb)
	c.run("initdb", "-D", c.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
	conf := "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nfsync = off\nfull_page_writes = off\n"
	if synchronous {
		conf += "synchronous_standby_names = '*'\n"
	}
	c.appendConf(conf)
	c.start()
	return c
}

// Standby makes a streaming standby of c (pg_basebackup -R) and starts it.
func (c *Cluster) Standby(tb testing.TB) *Cluster {
	tb.Helper()
	s := newCluster(tb)
	s.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres", "-D", s.data(), "-R", "-X", "stream")
	s.appendConf("synchronous_standby_names = ''\n")
	s.start()
	return s
}

// Kill stops the server at once, as a crash would (immediate mode: no checkpoint).
func (c *Cluster) Kill() { c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop") }

// Promote turns a standby into a primary and waits until it accepts writes.
func (c *Cluster) Promote() { c.run("pg_ctl", "-D", c.data(), "-w", "promote") }

// Addr is the server's host:port.
func (c *Cluster) Addr() string { return "127.0.0.1:" + strconv.Itoa(c.Port) }

func newCluster(tb testing.TB) *Cluster {
	tb.Helper()
	dir, err := os.MkdirTemp("", "gotong-cluster-")
	if err != nil {
		tb.Fatal(err)
	}
	c := &Cluster{dir: dir, bin: PostgresBin(tb), t: tb, Port: freePort(tb)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("running as root but there is no postgres user to run the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() {
		_ = c.command("pg_ctl", "-D", c.data(), "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	})
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) appendConf(s string) {
	c.t.Helper()
	f, err := os.OpenFile(filepath.Join(c.data(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString("\n" + s)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		c.t.Fatal(err)
	}
}

func (c *Cluster) start() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.Port, c.dir), "start")
}

// command runs a PostgreSQL program as the server's user, in its folder.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	name = filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	cmd.Dir = c.dir
	return cmd
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	start := time.Now()
	out, err := c.command(name, args...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.t.Fatalf("%s %s: %v (after %v)\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, time.Since(start), out, log)
	}
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
