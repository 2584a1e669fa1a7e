package billing

// Deposit modes and settlements (tenant settings).
const (
	DepositCharge  = "charge"  // the deposit was charged (sale) at booking
	DepositPreAuth = "preauth" // the deposit was reserved (pre-authorisation)
	SettleRelease  = "release" // give the whole deposit back; bill the card apart
	SettleSetOff   = "set_off" // use the deposit to pay what is owed
)

// Settlement says what to do with the money after a final bill.
type Settlement struct {
	// Charge is what to charge to the stored card (merchant-initiated).
	Charge int64
	// Refund is what to pay back on the rent payments (with a credit note).
	Refund int64
	// CaptureDeposit is what to capture of the deposit pre-authorisation
	// (preauth + set_off); the rest of it is released.
	CaptureDeposit int64
	// SetOffDeposit is what of a charged deposit is kept as payment
	// (charge + set_off); the rest is refunded as DepositRefund.
	SetOffDeposit int64
	// ReleasePreAuth: void the deposit pre-authorisation (its uncaptured rest).
	ReleasePreAuth bool
	// DepositRefund is what of a charged deposit to refund.
	DepositRefund int64
}

// Settle decides, for a final bill's due amount (negative: credit), the
// deposit held (cents; 0 when none) and the tenant's deposit mode and
// settlement, what to charge, refund, capture, set off and release. The
// deposit is never used for more than is owed, and a credit is always
// refunded, never kept.
func Settle(due, deposit int64, mode, settlement string) Settlement {
	var s Settlement
	if due < 0 {
		s.Refund = -due
	}
	owed := max(due, 0)
	useDeposit := int64(0)
	if settlement == SettleSetOff {
		useDeposit = min(owed, deposit)
	}
	s.Charge = owed - useDeposit
	switch mode {
	case DepositPreAuth:
		s.CaptureDeposit = useDeposit
		s.ReleasePreAuth = deposit > 0 && useDeposit < deposit
	default:
		s.SetOffDeposit = useDeposit
		s.DepositRefund = deposit - useDeposit
	}
	return s
}
