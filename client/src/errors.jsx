// Errors as the API answers them, shown where the user acted: next to the field the
// envelope's `errors` names, or above the form; a 429 says when to try again.

/** A sentence for an error, never a bare status code. */
export function describe(error) {
  if (!error) return "";
  if (error.status === 429) {
    const seconds = error.retryAfter ?? 1;
    return `Too many attempts. Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
  }
  if (error.status === 401) return error.message || "Wrong nickname or password.";
  if (!error.status) return "Parley cannot be reached. Check the connection and try again.";
  return error.message;
}

/** The reasons the API gave for one field. */
export function FieldError({ id, error, field }) {
  const reasons = error?.errors?.[field];
  return (
    <p id={id} class="field-error" hidden={!reasons}>
      {reasons?.join(" ")}
    </p>
  );
}

/** What concerns no field of the form (or a field it does not show). */
export function FormError({ error, fields }) {
  if (!error) return null;
  const named = Object.keys(error.errors ?? {});
  if (named.length && named.every((field) => fields.includes(field))) return null;
  return <p class="form-error" role="alert">{describe(error)}</p>;
}
