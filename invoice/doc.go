// Package invoice holds invoices and credit notes as issued, the VAT math
// over them and the document number patterns. It is pure: no IO, no clock.
//
// All amounts are integer euro cents. Prices are gross (what customers see);
// net and VAT are derived per VAT rate from the gross sum of that rate, so
// net+VAT=gross holds exactly for every rate and overall.
package invoice
