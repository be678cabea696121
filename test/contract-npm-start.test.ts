import { defineContract } from './support/contract.ts'
import { npmStartTargets } from './support/targets.ts'

for (const target of npmStartTargets()) defineContract(target)
