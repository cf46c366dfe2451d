declare module "*.txt" {
  const text: string;
  export default text;
}
// The staff page's files, embedded in the binary as text (import ... with { type: "text" }).
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*/page.js" {
  const text: string;
  export default text;
}
declare module "*/desk.js" {
  const text: string;
  export default text;
}
declare module "*/visits.js" {
  const text: string;
  export default text;
}
