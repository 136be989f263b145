package bench

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestRemoteAddresses(t *testing.T) {
	t.Parallel()
	lookup := func(_ context.Context, host string) ([]string, error) {
		switch host {
		case "fleet.test":
			return []string{"192.0.2.3", "192.0.2.1", "2001:db8::1", "192.0.2.1"}, nil
		case "one.test":
			return []string{"192.0.2.9"}, nil
		}
		return nil, errors.New("no such host")
	}
	tests := []struct {
		name    string
		list    []string
		resolve string
		want    []string
		from    string
		err     string
	}{
		{"fleet by name", []string{"fleet.test:443"}, "", []string{"192.0.2.1:443", "192.0.2.3:443", "[2001:db8::1]:443"}, "fleet.test", ""},
		{"resolve all", []string{"fleet.test:443"}, ResolveAll, []string{"192.0.2.1:443", "192.0.2.3:443", "[2001:db8::1]:443"}, "fleet.test", ""},
		{"resolve off", []string{"fleet.test:443"}, ResolveOff, []string{"fleet.test:443"}, "", ""},
		{"one address", []string{"one.test:443"}, "", []string{"one.test:443"}, "", ""},
		{"an IP", []string{"192.0.2.7:443"}, "", []string{"192.0.2.7:443"}, "", ""},
		{"addresses", []string{"a:1", "b:2"}, "", []string{"a:1", "b:2"}, "", ""},
		{"unknown name", []string{"nope.test:443"}, "", nil, "", "resolve the target nope.test"},
		{"bad mode", []string{"fleet.test:443"}, "some", nil, "", `--resolve: want all or off, got "some"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, from, err := remoteAddresses(context.Background(), tt.list, Options{Resolve: tt.resolve, LookupHost: lookup})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) || from != tt.from {
				t.Errorf("got %v from %q (%v), want %v from %q", got, from, err, tt.want, tt.from)
			}
		})
	}
}
