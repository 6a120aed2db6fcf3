package generator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

const safetyProject = "-- errpages.toml --\nlocales = [\"en\", \"de\"]\ncodes = [401, 404, 503]\n[server]\ntargets = [\"nginx\", \"apache\"]\n"

// complete fails unless out holds exactly the files its manifest lists,
// with the listed bytes, and nothing errpages left beside it.
func complete(t *testing.T, out string) {
	t.Helper()
	m := readManifest(t, out)
	for _, f := range m.Files {
		data, err := os.ReadFile(filepath.Join(out, f.Path))
		sum := sha256.Sum256(data)
		if err != nil || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Fatalf("%s does not match the manifest (%v)", f.Path, err)
		}
	}
	parent, base := filepath.Split(out)
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+base+".errpages-") {
			t.Errorf("temporary folder left: %s", e.Name())
		}
	}
}

// TestConcurrentBuildsOneFolder: four builds at once into one output
// folder, twenty rounds. Each build waits for the one before it (the
// output's lock), every build succeeds, and the folder always matches its
// manifest. Without the lock a starting build deleted another's temporary
// folder and a partial tree was swapped in.
func TestConcurrentBuildsOneFolder(t *testing.T) {
	p := load(t, safetyProject)
	out := filepath.Join(t.TempDir(), "dist")
	for round := range 20 {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := p.Build(context.Background(), out, BuildOptions{}); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			})
		}
		wg.Wait()
		complete(t, out)
	}
}

// TestNoWait: with NoWait a build fails at once while another holds the
// output's lock, and says why; without it, it waits and says so.
func TestNoWait(t *testing.T) {
	p := load(t, safetyProject)
	out := filepath.Join(t.TempDir(), "dist")
	parent, base := filepath.Split(out)
	unlock, err := lockOutput(context.Background(), parent, base, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Build(context.Background(), out, BuildOptions{NoWait: true}); err == nil || !strings.Contains(err.Error(), "another errpages build is writing this output folder") {
		t.Errorf("NoWait while locked: %v", err)
	}
	waited := make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := p.Build(context.Background(), out, BuildOptions{Waiting: func() { close(waited) }})
		done <- err
	}()
	<-waited
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	complete(t, out)
}

// TestSymlinkedOutput: an output folder that is a link (dist ->
// /srv/www/errors) stays a link, and its target gets the build.
func TestSymlinkedOutput(t *testing.T) {
	p := load(t, safetyProject)
	dir := t.TempDir()
	target, link := filepath.Join(dir, "srv", "errors"), filepath.Join(dir, "dist")
	os.MkdirAll(target, 0o755)
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for range 2 { // a first build, then a rebuild over it
		if _, err := p.Build(context.Background(), link, BuildOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("dist is no longer a link (%v)", err)
	}
	complete(t, target)
}

// TestStaleFolderWithGlobCharacters: the temporary folder of a killed build
// of "out[1]" is removed by the next build (a glob never matched it).
func TestStaleFolderWithGlobCharacters(t *testing.T) {
	p := load(t, safetyProject)
	out := filepath.Join(t.TempDir(), "out[1]")
	stale := filepath.Join(filepath.Dir(out), ".out[1].errpages-123")
	os.MkdirAll(filepath.Join(stale, "pages"), 0o755)
	if _, err := p.Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("the stale temporary folder is still there")
	}
	complete(t, out)
}

// TestRebuildIgnoresLinkedFolder: when a folder of the previous output was
// replaced by a link to files elsewhere, a rebuild does not hard-link those
// files into the new output.
func TestRebuildIgnoresLinkedFolder(t *testing.T) {
	p := load(t, safetyProject)
	dir := t.TempDir()
	out := filepath.Join(dir, "dist")
	if _, err := p.Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(dir, "elsewhere")
	if err := os.Rename(filepath.Join(out, "nginx"), elsewhere); err != nil {
		t.Fatal(err)
	}
	os.Symlink(elsewhere, filepath.Join(out, "nginx"))
	if _, err := p.Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(filepath.Join(out, "nginx", "server.conf"))
	b, _ := os.Stat(filepath.Join(elsewhere, "server.conf"))
	if a == nil || b == nil || os.SameFile(a, b) {
		t.Error("the new output shares a file with a folder outside it")
	}
}

func TestShardBounds(t *testing.T) {
	p := load(t, safetyProject)
	for _, s := range []Shard{{1, 1 << 32}, {2, 1<<32 + 1}, {0, 4}, {5, 4}, {1, -1}, {1, MaxShards + 1}} {
		if _, err := p.Render(context.Background(), BuildOptions{Shard: s}); err == nil {
			t.Errorf("shard %d/%d accepted", s.K, s.N)
		}
	}
	if _, err := p.Render(context.Background(), BuildOptions{Shard: Shard{MaxShards, MaxShards}}); err != nil {
		t.Errorf("shard %d/%d: %v", MaxShards, MaxShards, err)
	}
}

// pngFile encodes a w×h image, then sets the size its header claims.
func pngFile(t *testing.T, w, h int, claimW, claimH uint32) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	// IHDR: the first chunk, at 8; its data starts at 16, its CRC at 29.
	binary.BigEndian.PutUint32(data[16:], claimW)
	binary.BigEndian.PutUint32(data[20:], claimH)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

// TestPNGLogoRefused: a project whose PNG logo claims a huge image or
// carries a script after the image does not load, and says why.
func TestPNGLogoRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"huge":   {pngFile(t, 2, 2, 65535, 65535), "logo.png: logo is 65535×65535 pixels; the limit is 4096×4096"},
		"script": {append(pngFile(t, 2, 2, 2, 2), "<script>alert(1)</script>"...), "logo.png: logo has 25 bytes after the end of its PNG image"},
	} {
		fsys := projectFS("-- errpages.toml --\nlogo = \"logo.png\"\nlocales = [\"en\"]\ncodes = [404]\n")
		fsys["logo.png"] = &fstest.MapFile{Data: tc.data, Mode: 0o644}
		if _, err := Load(Options{Project: fsys, Builtin: builtinFS}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestCheckPNG(t *testing.T) {
	good := pngFile(t, 2, 2, 2, 2)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"a small image", good, ""},
		{"65535×65535 claimed", pngFile(t, 2, 2, 65535, 65535), "logo is 65535×65535 pixels; the limit is 4096×4096"},
		{"a script after the image", append(bytes.Clone(good), "<script>alert(1)</script>"...), "logo has 25 bytes after the end of its PNG image"},
		{"no end chunk", good[:len(good)-12], "it has no end (IEND) chunk"},
		{"not a PNG", []byte("GIF89a"), "logo is not a PNG image"},
	} {
		err := checkPNG(tc.data)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestVerifyTree: a build folder with a file missing, or one more than the
// build wrote, is not swapped in.
func TestVerifyTree(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "pages/b", "pages/c"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644)
	}
	if err := verifyTree(dir, 3); err != nil {
		t.Error(err)
	}
	for _, n := range []int{2, 4} {
		if err := verifyTree(dir, n); err == nil || !strings.Contains(err.Error(), "the previous one was kept") {
			t.Errorf("%d files expected: %v", n, err)
		}
	}
}
