package testkit

import (
	"context"
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

	"github.com/redis/go-redis/v9"
)

// Services of a test's own, which the test may stop and start again to see
// how the system bears it. The shared test services stay untouched.

// PGBin is where Debian puts PostgreSQL 15's server programs.
const PGBin = "/usr/lib/postgresql/15/bin"

// PostgresServer is a PostgreSQL cluster of one test: initdb'd into a temporary
// directory, listening on a free loopback port, run by the postgres user.
type PostgresServer struct {
	Port int
	dir  string
	t    testing.TB
}

// StartPostgres creates and starts a cluster with a database agora owned
// by the role agora (password agora), the application's role agora_app
// (password agora_app), and what a superuser does for Agora
// (configs/postgres-init.sql): the extensions, leakproof text matching.
// It is stopped and removed when the test ends.
func StartPostgres(t testing.TB) *PostgresServer {
	t.Helper()
	pg, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("a private PostgreSQL needs the postgres user (Debian's postgresql package): %v", err)
	}
	dir, err := os.MkdirTemp("", "agora-pg-")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatalf("give %s to postgres: %v", dir, err)
	}
	p := &PostgresServer{Port: FreePort(t), dir: dir, t: t}
	t.Cleanup(func() {
		_ = p.run("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop")
		_ = os.RemoveAll(dir)
	})
	if err := p.run("initdb", "-D", p.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v", err)
	}
	p.Start()
	for _, sql := range []string{
		"CREATE ROLE agora LOGIN PASSWORD 'agora'",
		"CREATE ROLE agora_app LOGIN PASSWORD 'agora_app' NOBYPASSRLS",
		"CREATE DATABASE agora OWNER agora",
	} {
		p.psql(t, "postgres", sql)
	}
	p.psql(t, "agora", "CREATE EXTENSION vector; CREATE EXTENSION pgcrypto; CREATE EXTENSION citext; CREATE EXTENSION btree_gin; ALTER SCHEMA public OWNER TO agora; "+
		"ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF")
	return p
}

func (p *PostgresServer) data() string { return filepath.Join(p.dir, "data") }

// URL is the database's URL for the role agora.
func (p *PostgresServer) URL() string {
	return fmt.Sprintf("postgres://agora:agora@127.0.0.1:%d/agora?sslmode=disable", p.Port)
}

// AppURL is the database's URL for the application's role agora_app.
func (p *PostgresServer) AppURL() string {
	return fmt.Sprintf("postgres://agora_app:agora_app@127.0.0.1:%d/agora?sslmode=disable", p.Port)
}

// Start starts the cluster and waits until it takes connections.
func (p *PostgresServer) Start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", p.Port, p.dir)
	if err := p.run("pg_ctl", "-D", p.data(), "-o", opts, "-l", filepath.Join(p.dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		p.t.Fatalf("start PostgreSQL: %v\n%s", err, log)
	}
}

// Stop stops the cluster at once (connections are cut, as in a crash).
func (p *PostgresServer) Stop() {
	p.t.Helper()
	if err := p.run("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop"); err != nil {
		p.t.Fatalf("stop PostgreSQL: %v", err)
	}
}

// run runs a server program as the postgres user.
func (p *PostgresServer) run(prog string, args ...string) error {
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(PGBin, prog)}, args...)...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", prog, strings.Join(args, " "), err, out)
	}
	return nil
}

func (p *PostgresServer) psql(t testing.TB, db, sql string) {
	t.Helper()
	cmd := exec.Command("runuser", "-u", "postgres", "--", "psql", "-h", p.dir, "-p", strconv.Itoa(p.Port), "-d", db,
		"-v", "ON_ERROR_STOP=1", "-qAtc", sql)
	cmd.Env = append(os.Environ(), "PGOPTIONS=-c client_min_messages=warning")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("psql %q: %v: %s", sql, err, out)
	}
}

// RedisServer is a redis-server of one test, keeping nothing on disk.
type RedisServer struct {
	Port int
	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedis starts a redis-server on a free loopback port; it is
// stopped when the test ends.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	r := &RedisServer{Port: FreePort(t), t: t}
	r.Start()
	t.Cleanup(func() {
		if r.cmd != nil {
			r.Stop()
		}
	})
	return r
}

// URL is the server's URL (database 0).
func (r *RedisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port) }

// Start starts the server and waits until it answers PING.
func (r *RedisServer) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server (Debian's redis-server package): %v", err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.Port)})
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatal("redis-server did not answer PING within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (its data is gone, as after a crash).
func (r *RedisServer) Stop() {
	r.t.Helper()
	_ = r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}

// FreePort returns a loopback TCP port nobody listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
