// ESLint flat config: typescript-eslint's type-checked recommended rules over the whole tree, a pure core
// that cannot import the AWS SDK or CDK, and lines of at most 160 characters. `npm run lint` runs it with
// --max-warnings 0 (CI runs it after the build).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import baseline from './eslint.baseline.mjs';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'coverage/**', 'reports/**', '.stryker-tmp/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.mjs', '*.js', 'cli/bin.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Long lines hide changes in review. Strings, template literals, URLs, regexps and comments may run over:
      // breaking a message or a URL makes it harder to find with grep than a long line is to read.
      'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreComments: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // The decision core is pure: no SDK, no CDK, no constructs (its purity test checks the same at run time).
    files: ['lambdas/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*'], message: 'lambdas/core is pure: AWS calls belong in lambdas/actuators, fed back as events.' },
            { group: ['aws-cdk-lib', 'aws-cdk-lib/*'], message: 'lambdas/core is pure: no CDK at run time.' },
            { group: ['constructs', 'constructs/*'], message: 'lambdas/core is pure: no constructs at run time.' },
          ],
        },
      ],
    },
  },
  {
    // Tests assert on data that is untyped by nature: CloudFormation templates (`Template.toJSON()`), parsed CLI
    // `--json` output and raw SDK responses. Typing every fixture would add casts, not safety. Fakes of async
    // interfaces (stores, executors, observers) are `async` without awaiting anything, by design.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...baseline,
  {
    // Plain JavaScript entry points (cli/bin.js) are CommonJS and not type-checked.
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
