package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/controllers"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/ledger"
	"inkwell/models"
	"inkwell/users"
)

// ledgerSignIn makes a user through the real auth filter and returns its token and id.
func ledgerSignIn(t *testing.T, app *authApp, sub, name string) (string, int64) {
	t.Helper()
	token := app.Google.Token(t, sub, sub+"@example.com", name)
	resp, body := app.do(t, http.MethodGet, "/api/v1/me", bearer(token), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var me users.Me
	require.NoError(t, json.Unmarshal([]byte(body), &me))
	return token, me.ID
}

// grant mints points to a user, as earning them through posts would.
func grant(t *testing.T, db *database.DB, userID, amount int64) {
	t.Helper()
	ctx := context.Background()
	o := db.Orm()
	acct, err := ledger.EnsureAccount(ctx, o, userID)
	require.NoError(t, err)
	mintID, err := models.MintAccountID(ctx, o, userID)
	require.NoError(t, err)
	_, _, err = ledger.Move(ctx, o, ledger.Movement{FromAccountID: mintID, ToAccountID: acct.ID, Amount: amount, Kind: ledger.KindMint, Memo: "test grant"})
	require.NoError(t, err)
}

func errorCode(t *testing.T, body string) controllers.ErrorDetail {
	t.Helper()
	var e controllers.ErrorBody
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	return e.Error
}

func TestLedgerAPI_RoutesNeedASignedInUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app := newAuthApp(t, db, authtest.NewProvider(t), nil)
		for _, r := range []struct{ method, path string }{
			{http.MethodGet, "/api/v1/wallet"},
			{http.MethodGet, "/api/v1/wallet/entries"},
			{http.MethodPost, "/api/v1/transfers"},
			{http.MethodGet, "/api/v1/transfers/1"},
		} {
			resp, body := app.do(t, r.method, r.path, "", nil)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s %s: %s", r.method, r.path, body)
		}
	})
}

func TestLedgerAPI_SendKudosEndToEnd(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app := newAuthApp(t, db, authtest.NewProvider(t), nil)
		alice, aliceID := ledgerSignIn(t, app, "alice", "Alice")
		bob, bobID := ledgerSignIn(t, app, "bob", "Bob")
		eve, _ := ledgerSignIn(t, app, "eve", "Eve")

		resp, body := app.do(t, http.MethodGet, "/api/v1/wallet", bearer(alice), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var w ledger.Wallet
		require.NoError(t, json.Unmarshal([]byte(body), &w))
		assert.NotZero(t, w.AccountID)
		assert.Zero(t, w.Balance)

		grant(t, db, aliceID, 100)
		send := func(token, body string) (*http.Response, string) {
			return app.do(t, http.MethodPost, "/api/v1/transfers", bearer(token), strings.NewReader(body))
		}
		payBob := fmt.Sprintf(`{"to_user_id": %d, "amount": 30, "memo": "great post", "idempotency_key": "k1"}`, bobID)
		resp, body = send(alice, payBob)
		require.Equal(t, http.StatusCreated, resp.StatusCode, body)
		var tr ledger.Transfer
		require.NoError(t, json.Unmarshal([]byte(body), &tr))
		assert.Equal(t, fmt.Sprintf("/api/v1/transfers/%d", tr.ID), resp.Header.Get("Location"))
		assert.Equal(t, aliceID, *tr.FromUserID)
		assert.Equal(t, bobID, *tr.ToUserID)
		assert.Equal(t, int64(30), tr.Amount)
		assert.Equal(t, "great post", tr.Memo)

		assert.Empty(t, resp.Header.Get("Idempotent-Replayed"))

		// A replay answers exactly as the original did (docs/api.md changelog: it was 200).
		resp, body = send(alice, payBob)
		require.Equal(t, http.StatusCreated, resp.StatusCode, "a replay answers like the original: %s", body)
		assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
		assert.Equal(t, fmt.Sprintf("/api/v1/transfers/%d", tr.ID), resp.Header.Get("Location"))
		var again ledger.Transfer
		require.NoError(t, json.Unmarshal([]byte(body), &again))
		assert.Equal(t, tr.ID, again.ID)

		cases := []struct {
			name, body string
			status     int
			code       string
		}{
			{"same key, other body", fmt.Sprintf(`{"to_user_id": %d, "amount": 31, "memo": "great post", "idempotency_key": "k1"}`, bobID), 409, "conflict"},
			{"to yourself", fmt.Sprintf(`{"to_user_id": %d, "amount": 1}`, aliceID), 400, "validation_failed"},
			{"unknown recipient", `{"to_user_id": 999999, "amount": 1}`, 404, "not_found"},
			{"too much", fmt.Sprintf(`{"to_user_id": %d, "amount": 71}`, bobID), 422, "insufficient_funds"},
			{"amount zero", fmt.Sprintf(`{"to_user_id": %d, "amount": 0}`, bobID), 400, "validation_failed"},
			{"amount over a million", fmt.Sprintf(`{"to_user_id": %d, "amount": 1000001}`, bobID), 400, "validation_failed"},
			{"fractional amount", fmt.Sprintf(`{"to_user_id": %d, "amount": 1.5}`, bobID), 400, "validation_failed"},
			{"memo too long", fmt.Sprintf(`{"to_user_id": %d, "amount": 1, "memo": %q}`, bobID, strings.Repeat("x", 281)), 400, "validation_failed"},
			{"not JSON", `{"to_user_id": `, 400, "bad_request"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := send(alice, tc.body)
				assert.Equal(t, tc.status, resp.StatusCode, body)
				assert.Equal(t, tc.code, errorCode(t, body).Code)
			})
		}
		req, err := http.NewRequest(http.MethodPost, app.URL+"/api/v1/transfers", strings.NewReader(payBob))
		require.NoError(t, err)
		req.Header.Set("Authorization", bearer(alice))
		req.Header.Set("Content-Type", "text/plain")
		r415, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		r415.Body.Close()
		assert.Equal(t, http.StatusUnsupportedMediaType, r415.StatusCode)

		// Balances: only the first send moved anything.
		for token, want := range map[string]int64{alice: 70, bob: 30} {
			resp, body := app.do(t, http.MethodGet, "/api/v1/wallet", bearer(token), nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			require.NoError(t, json.Unmarshal([]byte(body), &w))
			assert.Equal(t, want, w.Balance)
		}

		// /me's points are the wallet balance.
		resp, body = app.do(t, http.MethodGet, "/api/v1/me", bearer(alice), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var me users.Me
		require.NoError(t, json.Unmarshal([]byte(body), &me))
		assert.Equal(t, int64(70), me.Points)

		// The transfer is visible to its two parties only.
		path := fmt.Sprintf("/api/v1/transfers/%d", tr.ID)
		for _, token := range []string{alice, bob} {
			resp, body := app.do(t, http.MethodGet, path, bearer(token), nil)
			assert.Equal(t, http.StatusOK, resp.StatusCode, body)
		}
		resp, body = app.do(t, http.MethodGet, path, bearer(eve), nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, body)
		resp, body = app.do(t, http.MethodGet, "/api/v1/transfers/abc", bearer(alice), nil)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)

		// Bob's history names Alice and the memo.
		resp, body = app.do(t, http.MethodGet, "/api/v1/wallet/entries", bearer(bob), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var page ledger.WalletEntriesPage
		require.NoError(t, json.Unmarshal([]byte(body), &page))
		require.Len(t, page.Items, 1)
		assert.Nil(t, page.NextCursor)
		e := page.Items[0]
		assert.Equal(t, tr.ID, e.TransferID)
		assert.Equal(t, int64(30), e.Amount)
		assert.Equal(t, int64(30), e.BalanceAfter)
		assert.Equal(t, "great post", e.Memo)
		require.NotNil(t, e.OtherParty.UserID)
		assert.Equal(t, aliceID, *e.OtherParty.UserID)
		assert.Equal(t, "Alice", e.OtherParty.Name)
	})
}

// The Idempotency-Key header works on transfers as on every create: the
// repeat moves nothing and answers like the first request, marked replayed.
func TestLedgerAPI_IdempotencyKeyHeaderReplaysLikeTheOriginal(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app := newAuthApp(t, db, authtest.NewProvider(t), nil)
		alice, aliceID := ledgerSignIn(t, app, "alice", "Alice")
		bob, bobID := ledgerSignIn(t, app, "bob", "Bob")
		grant(t, db, aliceID, 10)
		// withKey posts body with the Idempotency-Key header h1.
		withKey := func(body string) (*http.Response, []byte) {
			resp, b := app.DoWithHeader(t, http.MethodPost, "/api/v1/transfers",
				http.Header{"Authorization": {bearer(alice)}, "Idempotency-Key": {"h1"}}, strings.NewReader(body))
			return resp, []byte(b)
		}
		var byHeader [2]ledger.Transfer
		for i := range byHeader {
			resp, b := withKey(fmt.Sprintf(`{"to_user_id": %d, "amount": 5, "memo": "by header"}`, bobID))
			require.Equal(t, http.StatusCreated, resp.StatusCode, string(b))
			assert.Equal(t, map[int]string{0: "", 1: "true"}[i], resp.Header.Get("Idempotent-Replayed"))
			require.NoError(t, json.Unmarshal(b, &byHeader[i]))
		}
		assert.Equal(t, byHeader[0].ID, byHeader[1].ID)
		require.NotNil(t, byHeader[0].IdempotencyKey)
		assert.Equal(t, "h1", *byHeader[0].IdempotencyKey)

		assert.Equal(t, int64(5), walletBalance(t, app, alice), "moved once")
		assert.Equal(t, int64(5), walletBalance(t, app, bob), "moved once")

		// The deprecated body field may come along only when it agrees.
		resp, b := withKey(fmt.Sprintf(`{"to_user_id": %d, "amount": 5, "idempotency_key": "other"}`, bobID))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(b))
		assert.Contains(t, string(b), `"idempotency_key":`)
	})
}

func TestLedgerAPI_EntriesPageWithCursor(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app := newAuthApp(t, db, authtest.NewProvider(t), nil)
		alice, aliceID := ledgerSignIn(t, app, "alice", "Alice")
		_, bobID := ledgerSignIn(t, app, "bob", "Bob")
		grant(t, db, aliceID, 10)
		for i := range 4 {
			resp, body := app.do(t, http.MethodPost, "/api/v1/transfers", bearer(alice),
				strings.NewReader(fmt.Sprintf(`{"to_user_id": %d, "amount": 1, "memo": "m%d"}`, bobID, i)))
			require.Equal(t, http.StatusCreated, resp.StatusCode, body)
		}
		var memos []string
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 5, "pagination must end")
			resp, body := app.do(t, http.MethodGet, "/api/v1/wallet/entries?limit=2&cursor="+url.QueryEscape(cursor), bearer(alice), nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			var page ledger.WalletEntriesPage
			require.NoError(t, json.Unmarshal([]byte(body), &page))
			for _, e := range page.Items {
				memos = append(memos, e.OtherParty.Name+":"+e.Memo)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		assert.Equal(t, []string{"Bob:m3", "Bob:m2", "Bob:m1", "Bob:m0", ledger.MintName + ":test grant"}, memos)

		for q, field := range map[string]string{"?limit=0": "limit", "?limit=101": "limit", "?limit=x": "limit", "?cursor=garbage": "cursor"} {
			resp, body := app.do(t, http.MethodGet, "/api/v1/wallet/entries"+q, bearer(alice), nil)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", q, body)
			// docs/api.md changelog: a bad cursor was bad_request here.
			assert.Contains(t, body, `"code":"validation_failed"`, q)
			assert.Contains(t, body, `"`+field+`":`, q)
		}
	})
}

// Ten parallel POSTs with one idempotency key: ten 201s of the same
// transfer, nine of them marked Idempotent-Replayed, one debit.
func TestLedgerAPI_ParallelRequestsWithOneKeyDebitOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app := newAuthApp(t, db, authtest.NewProvider(t), nil)
		alice, aliceID := ledgerSignIn(t, app, "alice", "Alice")
		bob, bobID := ledgerSignIn(t, app, "bob", "Bob")
		grant(t, db, aliceID, 100)
		body := fmt.Sprintf(`{"to_user_id": %d, "amount": 40, "memo": "once", "idempotency_key": "same-key"}`, bobID)

		const n = 10
		statuses := make([]int, n)
		replayed := make([]bool, n)
		ids := make([]int64, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				req, err := http.NewRequest(http.MethodPost, app.URL+"/api/v1/transfers", strings.NewReader(body))
				if err != nil {
					return
				}
				req.Header.Set("Authorization", bearer(alice))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				defer resp.Body.Close()
				statuses[i] = resp.StatusCode
				replayed[i] = resp.Header.Get("Idempotent-Replayed") == "true"
				var tr ledger.Transfer
				if json.NewDecoder(resp.Body).Decode(&tr) == nil {
					ids[i] = tr.ID
				}
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for i := range n {
			if statuses[i] != http.StatusCreated {
				t.Errorf("request %d: status %d", i, statuses[i])
			}
			if !replayed[i] {
				created++
			}
			assert.Equal(t, ids[0], ids[i], "request %d got another transfer", i)
		}
		assert.Equal(t, 1, created)
		assert.Equal(t, int64(60), walletBalance(t, app, alice))
		assert.Equal(t, int64(40), walletBalance(t, app, bob))
	})
}

// walletBalance is the balance GET /api/v1/wallet shows the holder of token.
func walletBalance(t *testing.T, app *authApp, token string) int64 {
	t.Helper()
	resp, body := app.do(t, http.MethodGet, "/api/v1/wallet", bearer(token), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var w ledger.Wallet
	require.NoError(t, json.Unmarshal([]byte(body), &w))
	return w.Balance
}
