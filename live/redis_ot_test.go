package live

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"inkwell/cache/cachetest"
	"inkwell/ot"
)

// transformScript runs luaOT's transform alone, for the differential test.
var transformScript = redis.NewScript(luaOT + `
return encode(transform(parse(cjson.decode(ARGV[1])), parse(cjson.decode(ARGV[2])), ARGV[3] == 'left'))
`)

// textPieces mix ASCII, combining marks, astral emoji, a ZWJ family, a
// flag, a skin tone, CJK and characters JSON escapes.
var textPieces = []string{"a", "b", " ", "\n", "e\u0301", "\u0301", "😅", "👩‍👩‍👧", "🇫🇷", "👍🏽", "語", "가", "Ω",
	"\u200d", `"`, `\`, "/", "<", "\t", "\u2028"}

func randomWord(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(4); n > 0; n-- {
		b.WriteString(textPieces[r.IntN(len(textPieces))])
	}
	return b.String()
}

// randomOp is a valid op for a text of docLen code points.
func randomOp(r *rand.Rand, docLen int) ot.Op {
	var op ot.Op
	rest := docLen
	for rest > 0 && r.IntN(8) != 0 {
		skip := r.IntN(min(rest, 5) + 1)
		op = append(op, ot.Retain(skip))
		rest -= skip
		if r.IntN(2) == 0 {
			op = append(op, ot.Insert(randomWord(r)))
		} else {
			n := r.IntN(min(rest, 10) + 1)
			op = append(op, ot.Delete(n))
			rest -= n
		}
	}
	if r.IntN(4) == 0 {
		op = append(op, ot.Retain(rest), ot.Insert(randomWord(r)))
	}
	return ot.Normalize(op)
}

// TestRedisTransform_MatchesPackageOT: the submit script's Lua transform
// gives exactly ot.Transform's op (itself checked against the npm package)
// on 3,000 random pairs of concurrent ops, both sides.
func TestRedisTransform_MatchesPackageOT(t *testing.T) {
	opts, err := redis.ParseURL(cachetest.RedisURL(t))
	require.NoError(t, err)
	client := redis.NewClient(opts)
	defer func() { _ = client.Close() }()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(21, 14))
	type pair struct {
		a, b ot.Op
		side ot.Side
	}
	const n = 3000
	pairs := make([]pair, 0, n)
	for len(pairs) < n {
		var doc strings.Builder
		for k := r.IntN(30); k > 0; k-- {
			doc.WriteString(randomWord(r))
		}
		docLen := utf8.RuneCountInString(doc.String())
		pairs = append(pairs, pair{randomOp(r, docLen), randomOp(r, docLen), ot.Side(r.IntN(2) == 0)})
	}
	require.NoError(t, transformScript.Load(ctx, client).Err())
	pipe := client.Pipeline()
	cmds := make([]*redis.Cmd, len(pairs))
	for i, p := range pairs {
		a, _ := json.Marshal(p.a)
		b, _ := json.Marshal(p.b)
		side := "right"
		if p.side == ot.Left {
			side = "left"
		}
		cmds[i] = transformScript.EvalSha(ctx, pipe, nil, a, b, side)
	}
	_, err = pipe.Exec(ctx)
	require.NoError(t, err)
	for i, p := range pairs {
		want, err := ot.Transform(p.a, p.b, p.side)
		require.NoError(t, err)
		got, err := ot.Parse([]byte(cmds[i].Val().(string)))
		require.NoError(t, err, "pair %d: %s", i, cmds[i].Val())
		if want == nil {
			want = ot.Op{}
		}
		require.Equal(t, want, got, "pair %d: %v past %v (%v)", i, p.a, p.b, p.side)
	}
}
