export function runUsersCommand(a: string[]): Promise<number> { return Promise.resolve(2); }
