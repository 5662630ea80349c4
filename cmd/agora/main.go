// Command agora is the operator CLI: it applies migrations, seeds demo data
// and manages tenants. It reads the same configuration as the API and worker.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/agora-platform/agora/internal/app"
	"github.com/agora-platform/agora/internal/platform/health"
)

const usage = `usage: agora <command> [flags]

commands:
  migrate                         apply pending database migrations
  seed                            create the demo data (idempotent)
  create-tenant -name N [-display-name D] [-slug S]
                                  create a tenant and print its id
  create-user -tenant T -email E [-role R] [-invite]
                                  create a user in tenant T (slug or id); the password is
                                  asked for, or read from the first line of stdin
  rotate-keys                     re-encrypt every stored secret under the first ENCRYPTION_KEY
  version                         print the build version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agora:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version":
		fmt.Fprintf(out, "agora %s (%s)\n", health.Version, health.Commit)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	case "migrate", "seed", "create-tenant", "create-user", "rotate-keys":
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	a, err := app.Boot(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	switch cmd {
	case "migrate":
		return migrate(ctx, a, out)
	case "seed":
		return seed(ctx, a, out)
	case "create-user":
		return createUser(ctx, a, rest, out)
	case "rotate-keys":
		n, err := a.RotateKeys(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "rotate-keys: re-encrypted %d secret(s) under the first key; older keys can now be removed from ENCRYPTION_KEY\n", n)
		return nil
	default:
		return createTenant(ctx, a, rest, out)
	}
}

func migrate(ctx context.Context, a *app.App, out io.Writer) error {
	applied, err := a.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(out, "migrate: database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(out, "migrate: applied", name)
	}
	return nil
}

func seed(ctx context.Context, a *app.App, out io.Writer) error {
	done, err := a.Seed(ctx)
	for _, line := range done {
		fmt.Fprintln(out, "seed:", line)
	}
	return err
}

func createTenant(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("create-tenant", flag.ContinueOnError)
	name := fs.String("name", "", "tenant name (required)")
	display := fs.String("display-name", "", "display name (defaults to the name)")
	slug := fs.String("slug", "", "slug for sign-in and URLs (derived from the name when empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		fs.Usage()
		return errors.New("create-tenant: -name is required")
	}
	id, err := a.CreateTenant(ctx, *name, *display, *slug)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, id)
	return nil
}

func createUser(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("create-user", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant slug or id (required)")
	email := fs.String("email", "", "e-mail address (required)")
	role := fs.String("role", "User", "predefined role: User, AI Configurator or Owner")
	invite := fs.Bool("invite", false, "create the user invited, without a password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tenant == "" || *email == "" {
		fs.Usage()
		return errors.New("create-user: -tenant and -email are required")
	}
	password := ""
	if !*invite {
		var err error
		if password, err = readPassword(); err != nil {
			return err
		}
	}
	id, err := a.CreateUser(ctx, *tenant, *email, *role, password)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, id)
	return nil
}

// readPassword asks twice without echo on a terminal, or reads the first
// line of stdin when it is not one (scripts: echo "$PW" | agora create-user ...).
func readPassword() (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		if line = strings.TrimRight(line, "\r\n"); line == "" {
			return "", errors.New("no password on stdin; pipe one in or use -invite")
		}
		return line, nil
	}
	fmt.Fprint(os.Stderr, "Password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(os.Stderr, "Again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(second) {
		return "", errors.New("the passwords differ")
	}
	return string(first), nil
}
