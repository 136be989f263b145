package bench

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// echList builds an ECHConfigList of one config per name, of version v.
func echList(v uint16, names ...string) []byte {
	var configs []byte
	for i, name := range names {
		c := []byte{byte(i + 1), 0x00, 0x20, 0x00, 0x02, 0xaa, 0xbb, 0x00, 0x04, 0x00, 0x01, 0x00, 0x01, 0, byte(len(name))}
		c = append(c, name...)
		c = append(c, 0, 0)
		configs = binary.BigEndian.AppendUint16(configs, v)
		configs = binary.BigEndian.AppendUint16(configs, uint16(len(c)))
		configs = append(configs, c...)
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(configs))), configs...)
}

// TestReadECHConfigFile: a config list is read binary, base64 or from a
// PEM ECHCONFIG block; configs of other versions are skipped; what is not
// a list of a version Go implements is refused, naming the file.
func TestReadECHConfigFile(t *testing.T) {
	good := echList(echVersion, "public.example", "other.example")
	mixed := append([]byte(nil), echList(0xfe0a, "old.example")[2:]...)
	mixed = append(mixed, echList(echVersion, "new.example")[2:]...)
	mixed = append(binary.BigEndian.AppendUint16(nil, uint16(len(mixed))), mixed...)
	pemFile := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("not read")}),
		pem.EncodeToMemory(&pem.Block{Type: "ECHCONFIG", Bytes: good})...)
	for _, tt := range []struct {
		name  string
		data  []byte
		names []string
		err   string
	}{
		{"binary", good, []string{"public.example", "other.example"}, ""},
		{"base64", []byte(base64.StdEncoding.EncodeToString(good) + "\n"), []string{"public.example", "other.example"}, ""},
		{"pem", pemFile, []string{"public.example", "other.example"}, ""},
		{"other versions skipped", mixed, []string{"new.example"}, ""},
		{"only other versions", echList(0xfe0a, "old.example"), nil, "no ECHConfig of version 0xfe0d"},
		{"truncated", good[:len(good)-3], nil, "2-byte length does not match"},
		{"pem without ECHCONFIG", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), nil, "no PEM block ECHCONFIG"},
		{"text", []byte("hello\n"), nil, "not an ECHConfigList"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ech")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			e, err := readECHConfigFile(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %v, want one naming %s and saying %q", err, path, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(e.publicNames, tt.names) {
				t.Errorf("public names %v, want %v", e.publicNames, tt.names)
			}
		})
	}
}
