package ot

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The committed fixtures are `node oracle.cjs generate 1 400` (see
// ot/testdata/oracle); TestFixtures_AreThePackagesOutput proves it.
const (
	fixturesPath  = "testdata/fixtures.json"
	oracleDir     = "testdata/oracle"
	fixturesSeed  = "1"
	fixturesCount = "400"
)

type answer struct {
	Result json.RawMessage `json:"result"`
	Error  *string         `json:"error"`
}

type scenario struct {
	Doc    string          `json:"doc"`
	A      json.RawMessage `json:"a"`
	B      json.RawMessage `json:"b"`
	C      json.RawMessage `json:"c,omitempty"`
	Raw    json.RawMessage `json:"raw,omitempty"`
	Cursor *int            `json:"cursor,omitempty"`

	ApplyA       *answer `json:"apply_a,omitempty"`
	ApplyB       *answer `json:"apply_b,omitempty"`
	ALeftOfB     *answer `json:"a_left_of_b,omitempty"`
	ARightOfB    *answer `json:"a_right_of_b,omitempty"`
	BLeftOfA     *answer `json:"b_left_of_a,omitempty"`
	BRightOfA    *answer `json:"b_right_of_a,omitempty"`
	ComposeAC    *answer `json:"compose_ac,omitempty"`
	ApplyAC      *answer `json:"apply_ac,omitempty"`
	NormalizeRaw *answer `json:"normalize_raw,omitempty"`
	CursorAfterA *answer `json:"cursor_after_a,omitempty"`
}

type check struct {
	JSON  string `json:"json"`
	Valid bool   `json:"valid"`
}

type fixtures struct {
	Package   string     `json:"package"`
	Scenarios []scenario `json:"scenarios"`
	Checks    []check    `json:"checks"`
}

// nodeOracle returns the oracle directory with its npm install done, or
// stops the test: a failure under CI=true (the differential test must run
// there), a skip elsewhere.
func nodeOracle(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("CI=true but %s: run `make ot-oracle` (npm ci in %s)", why, oracleDir)
		}
		t.Skipf("%s; the differential test runs in CI (make ot-oracle)", why)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(oracleDir, "node_modules", "ot-text-unicode", "package.json")); err != nil {
		missing("the ot-text-unicode package is not installed")
	}
	return oracleDir
}

func runOracle(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("node", append([]string{"oracle.cjs"}, args...)...)
	cmd.Dir = nodeOracle(t)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node oracle.cjs %v: %s", args, stderr.String())
	return out
}

func TestFixtures_AreThePackagesOutput(t *testing.T) {
	fresh := runOracle(t, nil, "generate", fixturesSeed, fixturesCount)
	committed, err := os.ReadFile(fixturesPath)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(fresh, committed), "%s is stale: regenerate with `node oracle.cjs generate %s %s > ../fixtures.json`", fixturesPath, fixturesSeed, fixturesCount)
}

func TestFixtures_GoMatchesThePackage(t *testing.T) {
	data, err := os.ReadFile(fixturesPath)
	require.NoError(t, err)
	var f fixtures
	require.NoError(t, json.Unmarshal(data, &f))
	require.Equal(t, "ot-text-unicode@4.0.0", f.Package)
	require.Len(t, f.Scenarios, 400)
	compareScenarios(t, f.Scenarios)
	compareChecks(t, f.Checks)
}

// TestDifferential_GoGeneratedScenarios has the package answer scenarios
// made by this port's own generator, including ops too long for their
// document.
func TestDifferential_GoGeneratedScenarios(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 21))
	var in fixtures
	for i := 0; i < 300; i++ {
		doc := randomDoc(r)
		a, b := randomOp(r, runeLen(doc)), randomOp(r, runeLen(doc))
		if i%10 == 9 { // too long for doc: a skip or a delete past its end
			tail := Op{Retain(runeLen(doc) + 1), Insert("x")}
			if i%20 == 19 {
				tail = Op{Retain(max(runeLen(doc)-1, 0)), Delete(3)}
			}
			a = Normalize(tail)
		}
		cursor := r.IntN(runeLen(doc) + 1)
		s := scenario{Doc: doc, A: marshal(t, a), B: marshal(t, b), Cursor: &cursor}
		if after, err := Apply(doc, a); err == nil {
			s.C = marshal(t, randomOp(r, runeLen(after)))
		}
		in.Scenarios = append(in.Scenarios, s)
	}
	stdin, err := json.Marshal(in)
	require.NoError(t, err)
	var out fixtures
	require.NoError(t, json.Unmarshal(runOracle(t, stdin, "evaluate"), &out))
	require.Len(t, out.Scenarios, len(in.Scenarios))
	compareScenarios(t, out.Scenarios)
}

func marshal(t *testing.T, op Op) json.RawMessage {
	data, err := json.Marshal(op)
	require.NoError(t, err)
	return data
}

func compareScenarios(t *testing.T, scenarios []scenario) {
	t.Helper()
	for i, s := range scenarios {
		a, b := mustParse(t, string(s.A)), mustParse(t, string(s.B))
		where := func(what string) string {
			return "scenario " + strconv.Itoa(i) + " " + what + " doc=" + strconv.Quote(s.Doc)
		}
		compareApply(t, where("apply a"), s.Doc, a, s.ApplyA)
		compareApply(t, where("apply b"), s.Doc, b, s.ApplyB)
		compareOp(t, where("a left of b"), try(Transform(a, b, Left)), s.ALeftOfB)
		compareOp(t, where("a right of b"), try(Transform(a, b, Right)), s.ARightOfB)
		compareOp(t, where("b left of a"), try(Transform(b, a, Left)), s.BLeftOfA)
		compareOp(t, where("b right of a"), try(Transform(b, a, Right)), s.BRightOfA)
		if s.C != nil {
			c := mustParse(t, string(s.C))
			compareOp(t, where("compose a c"), try(Compose(a, c)), s.ComposeAC)
			composed, err := Compose(a, c)
			require.NoError(t, err)
			compareApply(t, where("apply compose(a, c)"), s.Doc, composed, s.ApplyAC)
		}
		if s.Raw != nil {
			compareOp(t, where("normalize raw"), try(Normalize(lenientOp(t, s.Raw)), nil), s.NormalizeRaw)
		}
		if s.Cursor != nil {
			var want int
			require.NoError(t, json.Unmarshal(s.CursorAfterA.Result, &want), where("cursor"))
			assert.Equal(t, want, TransformPosition(*s.Cursor, a), where("cursor"))
		}
	}
}

type opOrError struct {
	op  Op
	err error
}

func try(op Op, err error) opOrError { return opOrError{op, err} }

func compareOp(t *testing.T, where string, got opOrError, want *answer) {
	t.Helper()
	require.NotNil(t, want, where)
	if want.Error != nil {
		assert.Error(t, got.err, "%s: the package says %s", where, *want.Error)
		return
	}
	require.NoError(t, got.err, where)
	// The package's result may keep {"d": "text"} deletes; Parse reads them
	// as lengths, which is what this port computes.
	assert.Equal(t, mustParse(t, string(want.Result)).String(), got.op.String(), where)
}

func compareApply(t *testing.T, where, doc string, op Op, want *answer) {
	t.Helper()
	require.NotNil(t, want, where)
	got, err := Apply(doc, op)
	if want.Error != nil {
		assert.ErrorIs(t, err, ErrTooLong, "%s: the package says %s", where, *want.Error)
		return
	}
	if errors.Is(err, ErrTooLong) && BaseLen(op) > runeLen(doc) {
		// Stricter by design: the package deletes up to the end of the
		// document where a delete reaches past it.
		return
	}
	require.NoError(t, err, where)
	var text string
	require.NoError(t, json.Unmarshal(want.Result, &text))
	assert.Equal(t, text, got, where)
}

// lenientOp reads an unnormalized op as the package would hand it to
// normalize: empty inserts and zero-length deletes or skips included.
func lenientOp(t *testing.T, data json.RawMessage) Op {
	var raw []any
	require.NoError(t, json.Unmarshal(data, &raw))
	var op Op
	for _, c := range raw {
		switch v := c.(type) {
		case float64:
			op = append(op, Retain(int(v)))
		case string:
			op = append(op, Insert(v))
		case map[string]any:
			switch d := v["d"].(type) {
			case float64:
				op = append(op, Delete(int(d)))
			case string:
				op = append(op, Delete(runeLen(d)))
			}
		}
	}
	return op
}

// stricterThanPackage are the inputs the package's checkOp lets through
// that Parse refuses (see Parse).
var stricterThanPackage = map[string]bool{`[1.5,"x"]`: true, `[true]`: true, `[{"d":1,"x":2}]`: true}

func compareChecks(t *testing.T, checks []check) {
	t.Helper()
	require.NotEmpty(t, checks)
	for _, c := range checks {
		_, err := Parse([]byte(c.JSON))
		if stricterThanPackage[c.JSON] {
			assert.True(t, c.Valid, "%s: listed as stricter but the package refuses it too", c.JSON)
			assert.Error(t, err, c.JSON)
			continue
		}
		assert.Equal(t, c.Valid, err == nil, "%s: package valid=%v, Parse error %v", c.JSON, c.Valid, err)
	}
}
