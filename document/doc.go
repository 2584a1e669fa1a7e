// Package document holds the view data that customer documents (invoices,
// credit notes, handover/return protocols, rental contracts) are rendered
// from, the Renderer port that turns them into files, and the pure
// formatting rules (money, dates, fuel) every renderer shares. No IO.
package document
