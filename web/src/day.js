// The local day as the API's from/to range, stable for the whole day (so an offline reload asks
// for, and finds, the same answers).
export function dayRange(date = new Date()) {
  const from = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const to = new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1);
  return { from: from.toISOString(), to: to.toISOString() };
}
