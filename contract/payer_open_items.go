package contract

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Age buckets of open payer documents: not yet due, and 1–30, 31–60 and
// more than 60 days after the due date.
const (
	BucketNotDue = iota
	Bucket1to30
	Bucket31to60
	BucketOver60
	Buckets
)

// BucketOf is the age bucket of a document days after its due date.
func BucketOf(daysOverdue int) int {
	switch {
	case daysOverdue <= 0:
		return BucketNotDue
	case daysOverdue <= 30:
		return Bucket1to30
	case daysOverdue <= 60:
		return Bucket31to60
	}
	return BucketOver60
}

// PayerOpenItem is an open payer document on a day.
type PayerOpenItem struct {
	Receivable
	Open        int64
	DaysOverdue int
	Bucket      int
	// DunningLevel is the highest dunning level issued for the document
	// (0 none, LevelReminder … LevelSecond); Blocked: a dunning block
	// (Mahnsperre) on the document or on its payer.
	DunningLevel int
	Blocked      bool
}

// PayerOpenItems are one payer's open documents on a day with the sums
// per age bucket; Total is the sum of the documents' open amounts.
type PayerOpenItems struct {
	PayerID   int64
	PayerName string
	Items     []PayerOpenItem
	ByBucket  [Buckets]int64
	Total     int64
}

// OpenItems is the open-items list on day today: the documents with money
// open, grouped by payer (by name), oldest due first within a payer.
type OpenItems struct {
	Today    string
	Payers   []PayerOpenItems
	ByBucket [Buckets]int64
	Total    int64
}

// GroupOpenItems groups the documents of rs with money open on day today
// (YYYY-MM-DD) by payer and age.
func GroupOpenItems(rs []Receivable, today string) OpenItems {
	out := OpenItems{Today: today}
	idx := map[int64]int{}
	for _, r := range rs {
		open := r.Open()
		if open <= 0 {
			continue
		}
		days := r.DaysOverdue(today)
		it := PayerOpenItem{Receivable: r, Open: open, DaysOverdue: days, Bucket: BucketOf(days)}
		i, ok := idx[r.PayerID]
		if !ok {
			i = len(out.Payers)
			idx[r.PayerID] = i
			out.Payers = append(out.Payers, PayerOpenItems{PayerID: r.PayerID, PayerName: r.PayerName})
		}
		g := &out.Payers[i]
		g.Items = append(g.Items, it)
		g.ByBucket[it.Bucket] += open
		g.Total += open
		out.ByBucket[it.Bucket] += open
		out.Total += open
	}
	for i := range out.Payers {
		items := out.Payers[i].Items
		sort.SliceStable(items, func(a, b int) bool { return items[a].DueOn < items[b].DueOn })
	}
	sort.SliceStable(out.Payers, func(a, b int) bool {
		return strings.ToLower(out.Payers[a].PayerName) < strings.ToLower(out.Payers[b].PayerName)
	})
	return out
}

// markDunning sets each item's dunning level (the highest notice issued)
// and block (on the document or its payer).
func (o *OpenItems) markDunning(notices []DunningNotice, blocks []DunningBlock) {
	level := map[int64]int{}
	for _, n := range notices {
		level[n.InvoiceID] = max(level[n.InvoiceID], n.Level)
	}
	blockedPayer, blockedDoc := map[int64]bool{}, map[int64]bool{}
	for _, b := range blocks {
		if b.InvoiceID == 0 {
			blockedPayer[b.PayerID] = true
		} else {
			blockedDoc[b.InvoiceID] = true
		}
	}
	for i := range o.Payers {
		for j := range o.Payers[i].Items {
			it := &o.Payers[i].Items[j]
			it.DunningLevel = level[it.ID]
			it.Blocked = blockedPayer[it.PayerID] || blockedDoc[it.ID]
		}
	}
}

// PayerOpenItems is the open-items list of the payer documents the actor
// may see on today's date in loc — of payer payerID only, when not 0 —
// with each document's dunning level and block. It is what Verwaltung →
// Offene Posten shows and what the API's open items answer.
func (s *Service) PayerOpenItems(ctx context.Context, loc *time.Location, payerID int64) (OpenItems, error) {
	rs, err := s.Receivables(ctx, ReceivableFilter{PayerID: payerID})
	if err != nil {
		return OpenItems{}, err
	}
	out := GroupOpenItems(rs, s.Today(loc))
	if ds := s.dunningStore(); ds != nil && len(out.Payers) > 0 {
		notices, err := ds.DunningNotices(ctx, 0)
		if err != nil {
			return OpenItems{}, err
		}
		blocks, err := ds.DunningBlocks(ctx)
		if err != nil {
			return OpenItems{}, err
		}
		out.markDunning(notices, blocks)
	}
	return out, nil
}
