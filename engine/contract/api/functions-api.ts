import type {
  FunctionCreateInput, FunctionDetail, FunctionInvocation, FunctionInvokeResult, FunctionSummary, FunctionUpdateInput,
} from '../function-types.js';
import type { JsonValue } from '../shadow-types.js';

/** Local Lambda functions (engine/functions): from `<dataDir>/functions` files and the Lambda API. */
export interface FunctionsApi {
  list(): Promise<FunctionSummary[]>;
  /** A function's configuration and deployment package's files. NotFound for a missing function. */
  get(name: string): Promise<FunctionDetail>;
  /** Runs a function with a test event (RequestResponse); resolves with its result or error, never rejects for a failed run. */
  invoke(name: string, event: JsonValue): Promise<FunctionInvokeResult>;
  /** The function's recent invocations from its log group `/aws/lambda/<name>`, newest first. */
  invocations(name: string, limit?: number): Promise<FunctionInvocation[]>;
  /**
   * Creates a function as CreateFunction does, from one handler file zipped on its own (Lambda's validation and
   * errors: the name pattern, the runtime list, AlreadyExists when the name is taken). The role defaults to a local one.
   */
  create(input: FunctionCreateInput): Promise<FunctionSummary>;
  /**
   * Changes a function's timeout, memory size, environment variables, description or role as
   * UpdateFunctionConfiguration does (Lambda's validation and errors); a `<dataDir>/functions` file is refused (Conflict).
   */
  update(name: string, input: FunctionUpdateInput): Promise<FunctionSummary>;
  /** Deletes a function created with the Lambda API or here (DeleteFunction); a `<dataDir>/functions` file is refused (Conflict). */
  delete(name: string): Promise<void>;
}
