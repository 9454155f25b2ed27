/** Re-exports the moto launcher for the tests; the drill owns it because it ships with the package. */
export * from '../../drill/moto';
