package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// readPassword gets a new password without it ever being a command-line
// argument (visible in ps): from file when given, else from MIETWERK_PASSWORD
// or the file named by MIETWERK_PASSWORD_FILE, else from standard input — typed
// twice without echo on a terminal, or the first line of piped input.
func readPassword(c *cli, file string) (string, error) {
	if file != "" {
		return readSecretFile(file, "--password-file")
	}
	if f := c.getenv("MIETWERK_PASSWORD_FILE"); f != "" {
		return readSecretFile(f, "MIETWERK_PASSWORD_FILE")
	}
	if p := c.getenv("MIETWERK_PASSWORD"); p != "" {
		return p, nil
	}
	if f, ok := c.stdin.(*os.File); ok && isTerminal(f) {
		p1, err := promptNoEcho(f, c.stderr, "New password: ")
		if err != nil {
			return "", err
		}
		p2, err := promptNoEcho(f, c.stderr, "Repeat password: ")
		if err != nil {
			return "", err
		}
		if p1 != p2 {
			return "", errors.New("the two passwords differ")
		}
		return p1, nil
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: use --password-file, MIETWERK_PASSWORD(_FILE) or standard input")
	}
	return line, nil
}

func readSecretFile(path, option string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", option, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// promptNoEcho asks for a line on a terminal with echo turned off.
func promptNoEcho(f *os.File, prompt io.Writer, text string) (string, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", err
	}
	noEcho := *old
	noEcho.Lflag &^= unix.ECHO
	noEcho.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &noEcho); err != nil {
		return "", err
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	fmt.Fprint(prompt, text)
	defer fmt.Fprintln(prompt)
	var b []byte
	buf := make([]byte, 1)
	for {
		n, err := f.Read(buf)
		if n == 1 {
			if buf[0] == '\n' || buf[0] == '\r' {
				return string(b), nil
			}
			b = append(b, buf[0])
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return string(b), nil
			}
			return "", err
		}
	}
}
