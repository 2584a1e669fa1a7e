package document

import "context"

// Renderer turns view data into a finished file (e.g. PDF). A Renderer is
// deterministic: the same input gives byte-identical output, because issued
// documents are stored with their hash and never regenerated differently.
type Renderer interface {
	Invoice(ctx context.Context, d InvoiceDoc) ([]byte, error)
	Protocol(ctx context.Context, d ProtocolDoc) ([]byte, error)
	Contract(ctx context.Context, d ContractDoc) ([]byte, error)
	Letter(ctx context.Context, d LetterDoc) ([]byte, error)
	// TripLog renders the monthly trip log of a red dealer plate.
	TripLog(ctx context.Context, d TripLogDoc) ([]byte, error)
}
