-- The service's state. Money is exact decimal text; times are RFC 3339 UTC text.
CREATE TABLE imports (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    source TEXT NOT NULL,
    format TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    decided BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    policy TEXT NOT NULL,
    notes TEXT NOT NULL
);
-- Every row of every import, in order (`row`, from 1), with the line it starts on (every
-- object of a JSON array on one line shares it): decided (client, fields) or rejected
-- (field, reason).
CREATE TABLE import_rows (
    import_id BIGINT NOT NULL,
    row_number BIGINT NOT NULL,
    line BIGINT NOT NULL,
    client TEXT,
    fields TEXT,
    field TEXT,
    reason TEXT,
    PRIMARY KEY (import_id, row_number)
);
CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    import_id BIGINT NOT NULL,
    grp TEXT,
    fields TEXT NOT NULL,
    receivable_delta TEXT NOT NULL,
    open_delta TEXT NOT NULL,
    paid_to_balance TEXT NOT NULL,
    late_days BIGINT NOT NULL,
    last_grade TEXT
);
CREATE INDEX clients_grp ON clients (grp);
CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    amount TEXT NOT NULL,
    open_amount TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    at TEXT NOT NULL,
    answer TEXT
);
CREATE INDEX orders_client ON orders (client, status);
CREATE TABLE invoices (
    invoice_id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    order_id TEXT,
    amount TEXT NOT NULL,
    open_amount TEXT NOT NULL,
    due_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX invoices_client ON invoices (client);
CREATE TABLE ledger (
    seq BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    client TEXT NOT NULL,
    amount TEXT NOT NULL,
    order_id TEXT,
    invoice_id TEXT,
    due_date TEXT,
    at TEXT NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX ledger_client ON ledger (client, seq);
CREATE TABLE approvals (
    id BIGSERIAL PRIMARY KEY,
    order_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    approver TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT,
    outcome TEXT NOT NULL
);
CREATE TABLE grade_history (
    id BIGSERIAL PRIMARY KEY,
    client TEXT NOT NULL,
    at TEXT NOT NULL,
    grade TEXT NOT NULL,
    base_grade TEXT NOT NULL,
    credit_line TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_hash TEXT NOT NULL,
    cause TEXT NOT NULL
);
CREATE INDEX grade_history_client ON grade_history (client, id);
-- The audit records of every decision made on stored facts, hash-chained in `seq` order.
CREATE TABLE decision_log (
    seq BIGINT PRIMARY KEY,
    client TEXT NOT NULL,
    at TEXT NOT NULL,
    line TEXT NOT NULL
);
