export function Designer() { return null; }
