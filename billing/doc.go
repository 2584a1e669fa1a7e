// Package billing is the pure arithmetic of closing a rental: the final bill
// after the return (days by the tariff's rules, extra km, refuelling,
// cleaning, damages), the deduction of advance invoices, the settlement of
// the deposit, and the ledger of a contract (DESIGN invariant 4).
//
// Everything here is plain functions over plain values: no clock, no
// storage, no gateway. All amounts are integer cents, gross unless a name
// says net.
package billing
